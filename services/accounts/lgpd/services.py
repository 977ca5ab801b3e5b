"""An organization's data under the LGPD: export, deletion with a grace period, purge (ADR 0044).

Every function that depends on the time takes ``now`` (the clock is injected;
``None`` is the current time), so the grace period is tested without waiting.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import uuid
import zipfile
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from identity.models import User
from identity.services import check_password_constant_time, second_factor_check
from organizations.models import Domain, Invitation, Membership, Organization, Role
from pocdex_shared import lgpd, storage
from pocdex_shared.errors import ApiError
from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.events.outbox import publish
from pocdex_shared.tenancy.events import TENANT_UPDATED
from pocdex_shared.tenancy.models import TenantStatus, schema_name_for
from pocdex_shared.tenancy.resolution import forget_tenant
from tokens.internal_api import service_token_for

from .models import (
    ExportStatus,
    OrganizationDeletion,
    OrganizationExport,
    PurgeRecord,
)

logger = logging.getLogger(__name__)

EXPORT_ARCHIVE_SUFFIX = ".zip"


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# ------------------------------------------------------------------ accounts' own part


def _organization_document(tenant_id: uuid.UUID) -> dict[str, Any]:
    organization = Organization.objects.get(id=tenant_id)
    return {
        "id": str(organization.id),
        "name": organization.name,
        "slug": organization.slug,
        "locale": organization.locale,
        "plan": organization.plan,
        "status": organization.status,
        "created_at": organization.created_at.isoformat(),
    }


def _members_document(tenant_id: uuid.UUID) -> list[dict[str, Any]]:
    memberships = Membership.objects.filter(organization_id=tenant_id).select_related("user")
    return [
        {
            "id": str(m.user_id),
            "name": m.user.name,
            "email": m.user.email,
            "role": m.role,
            "joined_at": m.created_at.isoformat(),
        }
        for m in memberships.order_by("created_at")
    ]


def _invitations_document(tenant_id: uuid.UUID) -> list[dict[str, Any]]:
    return [
        {
            "id": str(i.id),
            "email": i.email,
            "role": i.role,
            "created_at": i.created_at.isoformat(),
            "expires_at": i.expires_at.isoformat(),
            "accepted_at": i.accepted_at.isoformat() if i.accepted_at else None,
            "revoked_at": i.revoked_at.isoformat() if i.revoked_at else None,
        }
        for i in Invitation.objects.filter(organization_id=tenant_id).order_by("created_at")
    ]


def register_accounts_part() -> None:
    """Accounts' export part: the organization, its members and invitations (its schema
    holds the audit log). Accounts runs the purge itself (``purge_finalize``)."""
    lgpd.register_service_data(
        file_prefixes=(),
        documents={
            "organization": _organization_document,
            "members": _members_document,
            "invitations": _invitations_document,
        },
        handle_purge=False,
    )


# ------------------------------------------------------------------ export


def _require_admin(actor: Membership, code: str) -> None:
    if actor.role not in (Role.OWNER, Role.ADMIN):
        raise ApiError(code, _("Only owners and admins can do this."), status=403)


def export_start(*, actor: Membership) -> OrganizationExport:
    """Start an export of the actor's organization (owner or admin)."""
    _require_admin(actor, "export_forbidden")
    organization = actor.organization
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        if OrganizationExport.objects.filter(
            organization=organization, status__in=[ExportStatus.PENDING, ExportStatus.RUNNING]
        ).exists():
            raise ApiError(
                "export_in_progress", _("An export of this organization is running."), status=409
            )
        export = OrganizationExport.objects.create(
            organization=organization, requested_by=actor.user, heartbeat_at=timezone.now()
        )
        audit_record(
            organization=organization,
            actor_id=actor.user_id,
            action="organization.export_requested",
            target=str(export.id),
        )
    export_id = str(export.id)

    def enqueue() -> None:
        from .tasks import run_export_task

        run_export_task.delay(export_id)

    transaction.on_commit(enqueue)
    return export


def exports_of(organization: Organization) -> QuerySet[OrganizationExport]:
    return OrganizationExport.objects.filter(organization=organization)


def export_link(export: OrganizationExport) -> tuple[str, datetime] | None:
    """A presigned link to the archive, expiring after LGPD_EXPORT_LINK_SECONDS."""
    if export.status != ExportStatus.COMPLETED or not export.archive_key:
        return None
    seconds = int(settings.LGPD_EXPORT_LINK_SECONDS)
    url = storage.s3_client().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": storage.bucket_name(export.organization_id),
            "Key": export.archive_key,
            "ResponseContentType": "application/zip",
            "ResponseContentDisposition": f'attachment; filename="pocdex-export-{export.id}.zip"',
        },
        ExpiresIn=seconds,
    )
    return url, timezone.now() + timedelta(seconds=seconds)


def _service_url(service: str) -> str:
    urls: dict[str, str] = settings.LGPD_SERVICE_URLS
    return urls[service].rstrip("/")


def _request_part(service: str, tenant_id: uuid.UUID, export_id: uuid.UUID) -> None:
    url = f"{_service_url(service)}/internal/v1/tenants/{tenant_id}/exports/{export_id}"
    response = requests.post(
        url,
        # Accounts signs its own service tokens (it is their issuer).
        headers={
            "Authorization": f"Bearer {service_token_for(client='accounts', audience_service=service)}"
        },
        timeout=float(settings.LGPD_PART_TIMEOUT_SECONDS),
    )
    response.raise_for_status()


def _assemble(tenant_id: uuid.UUID, export_id: uuid.UUID) -> str:
    """One zip of every object under ``exports/<id>/``, written beside it."""
    client = storage.s3_client()
    bucket = storage.ensure_bucket(tenant_id)
    prefix = lgpd.export_prefix(export_id)
    key = prefix.rstrip("/") + EXPORT_ARCHIVE_SUFFIX
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for page in storage._keys(bucket, prefix, 1000):
                for item in page:
                    body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"]
                    with archive.open(item["Key"].removeprefix(prefix), "w") as entry:
                        shutil.copyfileobj(body, entry, 1024 * 1024)
        spool.seek(0)
        client.upload_fileobj(spool, bucket, key, ExtraArgs={"ContentType": "application/zip"})
    return key


def _services_to_export() -> list[str]:
    return list(settings.POCDEX_SERVICES)


def export_run(export_id: uuid.UUID | str, *, now: datetime | None = None) -> OrganizationExport:
    """Write every service's part, then the archive; resumable and idempotent.

    A part already written (``parts_done``) is skipped when a worker that died
    midway is replaced; writing a part twice overwrites the same keys.
    """
    with transaction.atomic():
        export = (
            OrganizationExport.objects.select_for_update(of=("self",))
            .select_related("organization", "requested_by")
            .get(id=export_id)
        )
        if export.status in (ExportStatus.COMPLETED, ExportStatus.FAILED):
            return export
        export.status = ExportStatus.RUNNING
        export.attempts += 1
        export.heartbeat_at = _now(now)
        export.save(update_fields=["status", "attempts", "heartbeat_at"])
    tenant_id = uuid.UUID(str(export.organization_id))
    services = _services_to_export()
    total = len(services) + 1  # the archive is the last step
    for service in services:
        if service in export.parts_done:
            continue
        if service == settings.POCDEX_SERVICE:
            lgpd.write_export_part(tenant_id, export.id)
        else:
            _request_part(service, tenant_id, export.id)
        export.parts_done = [*export.parts_done, service]
        export.progress = len(export.parts_done) * 100 // total
        export.heartbeat_at = timezone.now()
        export.save(update_fields=["parts_done", "progress", "heartbeat_at"])
    if not export.archive_key:
        # Recorded before the parts go: a resumed run never assembles an emptied prefix.
        export.archive_key = _assemble(tenant_id, export.id)
        export.save(update_fields=["archive_key"])
    storage.purge_prefix(tenant_id, lgpd.export_prefix(export.id))
    export.status = ExportStatus.COMPLETED
    export.progress = 100
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "progress", "finished_at"])
    _mail_export_ready(export)
    return export


def _mail_export_ready(export: OrganizationExport) -> None:
    person = export.requested_by
    link = export_link(export)
    if person is None or link is None:
        return
    from notifications.tasks import send_mail_task

    send_mail_task.delay(
        person.email,
        "lgpd_export_ready",
        person.locale,
        {
            "name": person.name,
            "organization_name": export.organization.name,
            "link": link[0],
            "hours": int(settings.LGPD_EXPORT_LINK_SECONDS) // 3600,
        },
    )


def fail_unfinished(model: Any, export_id: uuid.UUID | str, reason: str) -> None:
    """Mark an export job (of ``model``: organization or person) failed, unless it ended."""
    model.objects.filter(
        id=export_id, status__in=[ExportStatus.PENDING, ExportStatus.RUNNING]
    ).update(status=ExportStatus.FAILED, error=reason[:200], finished_at=timezone.now())


def resume_stale(model: Any, task: Any, *, now: datetime | None = None) -> list[str]:
    """Enqueue again the jobs of ``model`` whose worker stopped beating (``task`` runs one);
    give up after the attempts."""
    moment = _now(now)
    stale = moment - timedelta(seconds=int(settings.LGPD_EXPORT_STALE_SECONDS))
    resumed: list[str] = []
    for export in model.objects.filter(
        status__in=[ExportStatus.PENDING, ExportStatus.RUNNING], heartbeat_at__lt=stale
    ):
        if export.attempts >= int(settings.LGPD_EXPORT_MAX_ATTEMPTS):
            fail_unfinished(model, export.id, "too many attempts")
            continue
        model.objects.filter(id=export.id).update(heartbeat_at=moment)
        task.delay(str(export.id))
        resumed.append(str(export.id))
    return resumed


def export_fail(export_id: uuid.UUID | str, reason: str) -> None:
    fail_unfinished(OrganizationExport, export_id, reason)


def exports_resume_stale(*, now: datetime | None = None) -> list[str]:
    """Enqueue again the exports whose worker stopped beating; give up after the attempts."""
    from .tasks import run_export_task

    return resume_stale(OrganizationExport, run_export_task, now=now)


# ------------------------------------------------------------------ deletion and restore


def _reauthenticate(user: User, password: str, otp: str | None) -> None:
    if not check_password_constant_time(user, password):
        raise ApiError("reauthentication_failed", _("The password is not correct."), status=403)
    second_factor_check(user=user, otp=otp)


def deletion_request(
    *,
    actor: Membership,
    password: str,
    otp: str | None,
    confirmation: str,
    now: datetime | None = None,
) -> OrganizationDeletion:
    """Owner only: the organization waits ``LGPD_DELETION_GRACE_DAYS``, then is purged.

    Meanwhile it is suspended for every service (its tokens are refused); the
    owner may restore it with their password until the purge starts.
    """
    if actor.role != Role.OWNER:
        raise ApiError(
            "deletion_forbidden", _("Only the owner can delete the organization."), status=403
        )
    organization = actor.organization
    if confirmation.strip().lower() != organization.slug:
        raise ApiError(
            "confirmation_mismatch",
            _("Type the organization's address to confirm."),
            status=400,
            fields={
                "confirmation": [
                    {
                        "code": "confirmation_mismatch",
                        "message": _("Type the organization's address to confirm."),
                    }
                ]
            },
        )
    _reauthenticate(actor.user, password, otp)
    moment = _now(now)
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        if OrganizationDeletion.objects.filter(organization=organization).exists():
            raise ApiError(
                "deletion_pending", _("This organization is already being deleted."), status=409
            )
        deletion = deletion_begin(
            organization,
            requested_by=actor.user,
            moment=moment,
            purge_after=moment + timedelta(days=int(settings.LGPD_DELETION_GRACE_DAYS)),
        )
    forget_tenant(organization.id)
    return deletion


def deletion_begin(
    organization: Organization, *, requested_by: User, moment: datetime, purge_after: datetime
) -> OrganizationDeletion:
    """Suspend the organization until its purge (in the caller's transaction).

    Also the path of the organizations a deleted person was alone in (ADR 0047),
    with ``purge_after`` at once: nobody is left to restore them.
    """
    deletion = OrganizationDeletion.objects.create(
        organization=organization,
        requested_by=requested_by,
        requested_at=moment,
        purge_after=purge_after,
        previous_status=organization.status,
    )
    organization.status = TenantStatus.SUSPENDED
    organization.suspended_at = moment
    organization.save(update_fields=["status", "suspended_at"])
    publish(TENANT_UPDATED, organization.replica_payload(), tenant_id=organization.id)
    audit_record(
        organization=organization,
        actor_id=requested_by.id,
        action="organization.deletion_requested",
        data={"purge_after": purge_after.isoformat()},
    )
    organization_id = organization.id
    transaction.on_commit(lambda: forget_tenant(organization_id))
    return deletion


def deletion_restore(
    *,
    organization_slug: str,
    email: str,
    password: str,
    otp: str | None,
    now: datetime | None = None,
) -> Organization:
    """The owner, proving who they are again, brings the organization back."""
    from identity.selectors import user_by_email

    user = user_by_email(email)
    if user is None or not check_password_constant_time(user, password):
        raise ApiError(
            "invalid_credentials",
            _("Organization, email or password is not correct."),
            status=401,
        )
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__slug=organization_slug.strip().lower())
        .first()
    )
    if membership is None:
        raise ApiError(
            "invalid_credentials",
            _("Organization, email or password is not correct."),
            status=401,
        )
    second_factor_check(user=user, otp=otp)
    if membership.role != Role.OWNER:
        raise ApiError(
            "restore_forbidden", _("Only the owner can restore the organization."), status=403
        )
    moment = _now(now)
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=membership.organization_id)
        deletion = OrganizationDeletion.objects.filter(organization=organization).first()
        if deletion is None:
            raise ApiError(
                "deletion_not_pending", _("This organization is not being deleted."), status=409
            )
        if deletion.purge_started_at is not None or moment >= deletion.purge_after:
            raise ApiError(
                "grace_period_over",
                _("The grace period is over: the organization is being purged."),
                status=409,
            )
        organization.status = deletion.previous_status
        organization.suspended_at = None
        organization.save(update_fields=["status", "suspended_at"])
        deletion.delete()
        publish(TENANT_UPDATED, organization.replica_payload(), tenant_id=organization.id)
        audit_record(organization=organization, actor_id=user.id, action="organization.restored")
    forget_tenant(organization.id)
    return organization


# ------------------------------------------------------------------ purge


def _purge_services() -> list[str]:
    return [s for s in settings.POCDEX_SERVICES if s != settings.POCDEX_SERVICE]


def purge_due(*, now: datetime | None = None) -> list[str]:
    """Start (or publish again) the purge of every organization past its grace period.

    ``tenant.purged`` goes to every other service; it is published again every
    LGPD_PURGE_RETRY_SECONDS until each has confirmed, so a service that was
    down catches up. Organizations whose services all confirmed are finalized.
    """
    moment = _now(now)
    retry = timedelta(seconds=int(settings.LGPD_PURGE_RETRY_SECONDS))
    touched: list[str] = []
    for deletion in OrganizationDeletion.objects.filter(purge_after__lte=moment):
        with transaction.atomic():
            deletion = OrganizationDeletion.objects.select_for_update().get(pk=deletion.pk)
            missing = set(_purge_services()) - set(deletion.confirmed)
            if not missing:
                finalize = True
            else:
                finalize = False
                due = (
                    deletion.last_published_at is None
                    or deletion.last_published_at + retry <= moment
                )
                if due:
                    deletion.purge_started_at = deletion.purge_started_at or moment
                    deletion.last_published_at = moment
                    deletion.save(update_fields=["purge_started_at", "last_published_at"])
                    # No tenant_id on the row: after the purge nothing public names it.
                    publish(lgpd.TENANT_PURGED, {"tenant_id": str(deletion.organization_id)})
                    touched.append(str(deletion.organization_id))
        if finalize:
            purge_finalize(deletion.organization_id, now=moment)
            touched.append(str(deletion.organization_id))
    return touched


def purge_confirm(*, organization_id: uuid.UUID | str, service: str) -> None:
    """A service confirmed its purge; the last confirmation finalizes the organization."""
    with transaction.atomic():
        deletion = (
            OrganizationDeletion.objects.select_for_update()
            .filter(organization_id=organization_id)
            .first()
        )
        if deletion is None:
            return  # finalized already (a duplicate confirmation)
        if service not in deletion.confirmed:
            deletion.confirmed = sorted({*deletion.confirmed, service})
            deletion.save(update_fields=["confirmed"])
        done = set(_purge_services()) <= set(deletion.confirmed)
    if done:
        purge_finalize(organization_id)


def _cancel_subscription(organization: Organization) -> None:
    """The subscription-cancelled step of a purge; billing's rows go with the organization
    (foreign keys with CASCADE)."""
    from billing.services import subscription_cancel_for_purge

    subscription_cancel_for_purge(organization=organization)


def purge_finalize(
    organization_id: uuid.UUID | str, *, now: datetime | None = None
) -> PurgeRecord | None:
    """Accounts' own purge, once every other service confirmed; idempotent."""
    deletion = (
        OrganizationDeletion.objects.select_related("organization")
        .filter(organization_id=organization_id)
        .first()
    )
    if deletion is None:
        return PurgeRecord.objects.filter(organization_id=organization_id).first()
    organization = deletion.organization
    tenant_id = uuid.UUID(str(organization.id))
    _cancel_subscription(organization)
    storage.purge_prefix(tenant_id, lgpd.EXPORTS_PREFIX)
    if not storage.delete_bucket_if_empty(tenant_id):
        # Another service's objects are still there: the next sweep tries again.
        logger.warning("organization bucket not empty at purge", extra={"tenant": str(tenant_id)})
        return None
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema_name_for(tenant_id)}" CASCADE')
    with transaction.atomic():
        record, _created = PurgeRecord.objects.get_or_create(
            organization_id=tenant_id,
            defaults={
                "deletion_requested_at": deletion.requested_at,
                "purged_at": _now(now),
                "services": sorted({*deletion.confirmed, settings.POCDEX_SERVICE}),
            },
        )
        Domain.objects.filter(tenant_id=tenant_id).delete()
        OutboxEvent.objects.filter(tenant_id=tenant_id).delete()
        # Memberships, invitations, devices, sessions, service provisions, exports,
        # billing rows and the deletion itself go with it (foreign keys, CASCADE).
        Organization.objects.filter(id=tenant_id).delete()
    forget_tenant(tenant_id)
    return record


def deletion_of(organization: Organization) -> OrganizationDeletion | None:
    return OrganizationDeletion.objects.filter(organization=organization).first()
