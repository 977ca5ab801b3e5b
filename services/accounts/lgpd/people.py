"""A person's own data under the LGPD: their export and their deletion (ADR 0047).

The person is not a tenant, so their archive lives in the platform's people
bucket (``<S3_BUCKET_PREFIX>people``, under ``exports/people/<person>/``),
which the roles that reach the organizations' ``exports/`` already cover. An
archive is deleted when its link expires (``person_exports_expire``, a beat
task) and when the person is deleted.

Every function that depends on the time takes ``now`` (the injected clock).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import uuid
import zipfile
from datetime import datetime, timedelta
from typing import Any

import requests
from botocore.exceptions import ClientError
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry
from audit.services import audit_record
from devices.models import Device
from identity.models import User
from organizations.models import Invitation, Membership, Organization, Role
from pocdex_shared import storage
from pocdex_shared.errors import ApiError
from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.events.outbox import publish
from pocdex_shared.person_data import PERSON_DELETED, deleted_person_name
from pocdex_shared.tenancy.scope import Require, TenantNotReadyError, tenant_scope
from tokens.internal_api import service_token_for
from tokens.models import RefreshFamily
from tokens.services import tokens_revoke_for

from .models import ExportStatus, OrganizationDeletion, PersonExport
from .services import _reauthenticate, deletion_begin, fail_unfinished, resume_stale

logger = logging.getLogger(__name__)

PEOPLE_PREFIX = "exports/people/"


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# ------------------------------------------------------------------ the people bucket


def people_bucket() -> str:
    return f"{settings.S3_BUCKET_PREFIX}people"


def ensure_people_bucket() -> str:
    """Create the platform's people bucket if needed (idempotent), hardened like a tenant's."""
    name = people_bucket()
    client = storage.s3_client()
    try:
        client.head_bucket(Bucket=name)
        return name
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket", "NotFound"}:
            raise
    try:
        if storage._region() == "us-east-1":
            client.create_bucket(Bucket=name)
        else:
            client.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": storage._region()}
            )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in {
            "BucketAlreadyOwnedByYou",
            "BucketAlreadyExists",
        }:
            raise
    if settings.S3_BUCKET_HARDENING:
        client.put_bucket_encryption(
            Bucket=name, ServerSideEncryptionConfiguration=storage.bucket_encryption()
        )
        client.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        client.put_bucket_policy(Bucket=name, Policy=json.dumps(storage.bucket_policy(name)))
    return name


def _archive_key(export: PersonExport) -> str:
    return f"{PEOPLE_PREFIX}{export.user_id}/{export.id}.zip"


def _delete_archive(key: str) -> None:
    try:
        storage.s3_client().delete_object(Bucket=people_bucket(), Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchBucket":
            raise


# ------------------------------------------------------------------ export


def person_export_start(*, user: User) -> PersonExport:
    """Start an export of everything the person has in every organization (one at a time)."""
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        if PersonExport.objects.filter(
            user=user, status__in=[ExportStatus.PENDING, ExportStatus.RUNNING]
        ).exists():
            raise ApiError(
                "export_in_progress", _("An export of your data is running."), status=409
            )
        export = PersonExport.objects.create(user=user, heartbeat_at=timezone.now())
    export_id = str(export.id)

    def enqueue() -> None:
        from .tasks import run_person_export_task

        run_person_export_task.delay(export_id)

    transaction.on_commit(enqueue)
    return export


def person_exports_of(user: User) -> QuerySet[PersonExport]:
    return PersonExport.objects.filter(user=user)


def person_export_link(
    export: PersonExport, *, now: datetime | None = None
) -> tuple[str, datetime] | None:
    """A presigned link to the archive, never outliving the archive itself."""
    moment = _now(now)
    if (
        export.status != ExportStatus.COMPLETED
        or not export.archive_key
        or (export.expires_at is not None and export.expires_at <= moment)
    ):
        return None
    seconds = int(settings.LGPD_EXPORT_LINK_SECONDS)
    if export.expires_at is not None:
        seconds = max(1, min(seconds, int((export.expires_at - moment).total_seconds())))
    url = storage.s3_client().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": people_bucket(),
            "Key": export.archive_key,
            "ResponseContentType": "application/zip",
            "ResponseContentDisposition": f'attachment; filename="pocdex-my-data-{export.id}.zip"',
        },
        ExpiresIn=seconds,
    )
    return url, moment + timedelta(seconds=seconds)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _audit_about(user: User, organization: Organization) -> list[dict[str, Any]]:
    """The organization's audit entries the person did or that name them."""
    try:
        with tenant_scope(tenant=organization, require=Require.ANY):
            entries = AuditEntry.objects.filter(
                Q(actor_id=user.id) | Q(target__in=[str(user.id), user.email])
            ).order_by("created_at")
            return [
                {
                    "action": e.action,
                    "by_me": e.actor_id == user.id,
                    "target": e.target,
                    "data": e.data,
                    "at": e.created_at.isoformat(),
                }
                for e in entries
            ]
    except TenantNotReadyError:
        return []


def accounts_document(user: User) -> dict[str, Any]:
    """What accounts keeps about the person: profile, memberships, devices, sessions, audit."""
    memberships = list(
        Membership.objects.filter(user=user).select_related("organization").order_by("created_at")
    )
    return {
        "profile": {
            "id": str(user.id),
            "name": user.name,
            "email": user.email,
            "locale": user.locale,
            "joined_at": _iso(user.date_joined),
            "email_verified_at": _iso(user.email_verified_at),
            "last_login": _iso(user.last_login),
        },
        "two_factor": {
            "enabled": user.totp_enabled,
            "recovery_codes_left": user.recovery_codes.filter(used_at__isnull=True).count(),
        },
        "memberships": [
            {
                "organization": {
                    "id": str(m.organization_id),
                    "name": m.organization.name,
                    "slug": m.organization.slug,
                },
                "role": m.role,
                "joined_at": m.created_at.isoformat(),
            }
            for m in memberships
        ],
        "devices": [
            {
                "organization": str(d.organization_id),
                "platform": d.platform,
                "locale": d.locale,
                "app_version": d.app_version,
                "active": d.active,
            }
            for d in Device.objects.filter(user=user)
        ],
        "sessions": [
            {
                "organization": str(f.organization_id),
                "started_at": f.created_at.isoformat(),
                "ended_at": _iso(f.revoked_at),
            }
            for f in RefreshFamily.objects.filter(user=user).order_by("created_at")
        ],
        "invitations_received": [
            {
                "organization": str(i.organization_id),
                "role": i.role,
                "created_at": i.created_at.isoformat(),
                "accepted_at": _iso(i.accepted_at),
                "revoked_at": _iso(i.revoked_at),
            }
            for i in Invitation.objects.filter(email__iexact=user.email).order_by("created_at")
        ],
        "audit": {m.organization.slug: _audit_about(user, m.organization) for m in memberships},
    }


def _person_part(service: str, tenant_id: uuid.UUID, person_id: uuid.UUID) -> dict[str, Any]:
    base: str = settings.LGPD_SERVICE_URLS[service].rstrip("/")
    response = requests.post(
        f"{base}/internal/v1/tenants/{tenant_id}/people/{person_id}/export",
        headers={
            "Authorization": f"Bearer {service_token_for(client='accounts', audience_service=service)}"
        },
        timeout=float(settings.LGPD_PART_TIMEOUT_SECONDS),
    )
    response.raise_for_status()
    part: dict[str, Any] = response.json()
    return part


def _write_json(archive: zipfile.ZipFile, name: str, value: Any) -> None:
    archive.writestr(name, json.dumps(value, ensure_ascii=False, indent=1, default=str))


def _copy_files(
    archive: zipfile.ZipFile, folder: str, service: str, tenant_id: uuid.UUID, keys: list[str]
) -> None:
    """Copy the person's objects from the organization's bucket into the archive.

    Only keys under the answering service's own prefix are taken: a service
    cannot make accounts copy another service's files.
    """
    client = storage.s3_client()
    bucket = storage.bucket_name(tenant_id)
    for key in keys:
        if not key.startswith(f"{service}/") or ".." in key:
            logger.warning("person export key outside the service's prefix", extra={"key": key})
            continue
        try:
            body = client.get_object(Bucket=bucket, Key=key)["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "NoSuchBucket"}:
                continue
            raise
        with archive.open(f"{folder}/files/{key}", "w") as entry:
            shutil.copyfileobj(body, entry, 1024 * 1024)


def person_export_run(export_id: uuid.UUID | str, *, now: datetime | None = None) -> PersonExport:
    """Gather the person's data from accounts and every service into one archive.

    Idempotent: a run that died midway is run again from the start and writes
    the same key.
    """
    with transaction.atomic():
        export = (
            PersonExport.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(id=export_id)
        )
        if export.status in (ExportStatus.COMPLETED, ExportStatus.FAILED):
            return export
        export.status = ExportStatus.RUNNING
        export.attempts += 1
        export.heartbeat_at = _now(now)
        export.save(update_fields=["status", "attempts", "heartbeat_at"])
    user = export.user
    memberships = list(
        Membership.objects.filter(user=user).select_related("organization").order_by("created_at")
    )
    services = [s for s in settings.POCDEX_SERVICES if s != settings.POCDEX_SERVICE]
    total = len(memberships) * len(services) + 1
    done = 0
    bucket = ensure_people_bucket()
    key = _archive_key(export)
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            _write_json(archive, "accounts.json", accounts_document(user))
            for membership in memberships:
                organization = membership.organization
                tenant_id = uuid.UUID(str(organization.id))
                folder = f"organizations/{organization.slug}"
                for service in services:
                    part = _person_part(service, tenant_id, uuid.UUID(str(user.id)))
                    _write_json(archive, f"{folder}/{service}.json", part.get("data", {}))
                    _copy_files(
                        archive, f"{folder}/{service}", service, tenant_id, part.get("files", [])
                    )
                    done += 1
                    PersonExport.objects.filter(id=export.id).update(
                        progress=done * 100 // total, heartbeat_at=timezone.now()
                    )
        spool.seek(0)
        storage.s3_client().upload_fileobj(
            spool, bucket, key, ExtraArgs={"ContentType": "application/zip"}
        )
    finished = timezone.now()
    export.archive_key = key
    export.status = ExportStatus.COMPLETED
    export.progress = 100
    export.finished_at = finished
    export.expires_at = finished + timedelta(seconds=int(settings.LGPD_EXPORT_LINK_SECONDS))
    export.save(update_fields=["archive_key", "status", "progress", "finished_at", "expires_at"])
    _mail_ready(export)
    return export


def _mail_ready(export: PersonExport) -> None:
    link = person_export_link(export)
    if link is None:
        return
    from notifications.tasks import send_mail_task

    send_mail_task.delay(
        export.user.email,
        "lgpd_person_export_ready",
        export.user.locale,
        {
            "name": export.user.name,
            "link": link[0],
            "hours": int(settings.LGPD_EXPORT_LINK_SECONDS) // 3600,
        },
    )


def person_export_fail(export_id: uuid.UUID | str, reason: str) -> None:
    fail_unfinished(PersonExport, export_id, reason)


def person_exports_resume_stale(*, now: datetime | None = None) -> list[str]:
    """Enqueue again the exports whose worker stopped beating; give up after the attempts."""
    from .tasks import run_person_export_task

    return resume_stale(PersonExport, run_person_export_task, now=now)


def person_exports_expire(*, now: datetime | None = None) -> int:
    """Delete the archives whose link lifetime is over; the rows stay, without a link."""
    moment = _now(now)
    expired = 0
    for export in PersonExport.objects.filter(expires_at__lte=moment).exclude(archive_key=""):
        _delete_archive(export.archive_key)
        PersonExport.objects.filter(id=export.id).update(archive_key="")
        expired += 1
    return expired


# ------------------------------------------------------------------ deletion


def _confirmation_mismatch() -> ApiError:
    message = _("Type your email address to confirm.")
    return ApiError(
        "confirmation_mismatch",
        message,
        status=400,
        fields={"confirmation": [{"code": "confirmation_mismatch", "message": message}]},
    )


def _scrub(value: Any, needles: list[str], replacement: str) -> Any:
    if isinstance(value, str):
        for needle in needles:
            if needle and needle.lower() in value.lower():
                return replacement
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, needles, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, needles, replacement) for v in value]
    return value


def _scrub_audit(organization: Organization, user: User, replacement: str) -> None:
    """The organization keeps its trail; the person's email and name leave it."""
    needles = [user.email, user.name]
    try:
        with tenant_scope(tenant=organization, require=Require.ANY):
            mentions = AuditEntry.objects.filter(
                target__iexact=user.email
            ) | AuditEntry.objects.extra(
                where=["data::text ILIKE %s OR data::text ILIKE %s"],
                params=[f"%{user.email}%", f"%{user.name}%"],
            )
            for entry in mentions:
                entry.target = _scrub(entry.target, needles, replacement)
                entry.data = _scrub(entry.data, needles, replacement)
                entry.save(update_fields=["target", "data"])
    except TenantNotReadyError:
        return


def person_delete(
    *, user: User, password: str, otp: str | None, confirmation: str, now: datetime | None = None
) -> list[str]:
    """Delete the person: refused while they are the only owner of an organization that has
    other members; their sole-member organizations enter the deletion path with no grace
    (nobody is left to restore them). Returns the ids of those organizations.
    """
    if confirmation.strip().lower() != user.email.lower():
        raise _confirmation_mismatch()
    _reauthenticate(user, password, otp)
    moment = _now(now)
    # The request runs in one organization's schema; organizations change from the public one.
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        memberships = list(Membership.objects.filter(user=user).select_related("organization"))
        alone: list[Organization] = []
        blocking: list[str] = []
        for membership in memberships:
            others = Membership.objects.filter(organization_id=membership.organization_id).exclude(
                user=user
            )
            if not others.exists():
                alone.append(membership.organization)
            elif membership.role == Role.OWNER and not others.filter(role=Role.OWNER).exists():
                blocking.append(membership.organization.slug)
        if blocking:
            raise ApiError(
                "sole_owner",
                _(
                    "You are the only owner of an organization with other members: make "
                    "someone else an owner or delete the organization first."
                ),
                status=409,
                fields={"organizations": [{"code": "sole_owner", "message": s} for s in blocking]},
            )
        for organization in alone:
            if not OrganizationDeletion.objects.filter(organization=organization).exists():
                deletion_begin(organization, requested_by=user, moment=moment, purge_after=moment)
        names = {
            str(m.organization_id): deleted_person_name(m.organization.locale) for m in memberships
        }
        for membership in memberships:
            organization = membership.organization
            _scrub_audit(organization, user, names[str(organization.id)])
            audit_record(organization=organization, actor_id=user.id, action="person.deleted")
        archives = [
            e.archive_key for e in PersonExport.objects.filter(user=user).exclude(archive_key="")
        ]
        tokens_revoke_for(user_id=user.id, reason="removed")
        Invitation.objects.filter(email__iexact=user.email).delete()
        # Devices and their push endpoints go with the memberships (devices.services).
        Membership.objects.filter(user=user).delete()
        # Delivered events that named the person (invitations, member changes).
        OutboxEvent.objects.filter(published_at__isnull=False).extra(
            where=["payload::text ILIKE %s OR payload::text ILIKE %s OR payload::text LIKE %s"],
            params=[f"%{user.email}%", f"%{user.name}%", f"%{user.id}%"],
        ).delete()
        person_id = str(user.id)
        user.delete()
        publish(PERSON_DELETED, {"person_id": person_id, "names": names})
    for key in archives:
        _delete_archive(key)
    logger.info("person deleted", extra={"organizations_deleted": len(alone)})
    return [str(o.id) for o in alone]
