"""Writes of the registry: POCs and their attachments.

Every function checks the actor's rights, validates, writes in one transaction
and schedules ``signals.poc_changed`` after commit.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Sequence
from datetime import date, timedelta
from functools import partial
from typing import Any, TypedDict

from botocore.exceptions import ClientError
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from pocdex_shared.callers import Caller
from pocdex_shared.errors import ApiError, conflict, field_error, forbidden
from pocdex_shared.metrics import record_usage
from pocdex_shared.plans import check_limit, limit_of
from tenants.models import Tenant

from . import signals, storage
from .models import (
    Attachment,
    AttachmentState,
    LearningNote,
    Poc,
    PocOutcome,
    PocStatus,
    Tag,
    Visibility,
)
from .normalize import (
    Errors,
    TagValue,
    normalize_languages,
    normalize_links,
    normalize_repository,
    normalize_tags,
)
from .rules import attachment_not_found, can_edit, edit_denied, invalid, poc_not_found
from .selectors import attachment_bytes_used, pocs_used

# The longest learnings a client may write (``PocInput``); appended notes respect it too.
LEARNINGS_MAX_LENGTH = 20_000


class PocChanges(TypedDict, total=False):
    """The fields a client may set; absent keys are left as they are."""

    name: str
    summary: str
    description: str
    status: str
    hypothesis: str
    outcome: str
    learnings: str
    languages: Sequence[str]
    tags: Sequence[str]
    repository_url: str
    links: Sequence[dict[str, str]]
    started_on: date | None
    finished_on: date | None
    visibility: str
    contributors: Sequence[uuid.UUID]


_PLAIN_FIELDS = (
    "name",
    "summary",
    "description",
    "status",
    "hypothesis",
    "outcome",
    "learnings",
    "started_on",
    "finished_on",
    "visibility",
)


def _after_commit(poc: Poc, actor: Caller) -> None:
    transaction.on_commit(partial(signals.poc_changed, poc.id, actor.tenant_id))


def _count_after_commit(kind: str, amount: int) -> None:
    """The organization's usage (pocdex_shared.metrics), once what it counts is committed."""
    tenant = getattr(connection, "tenant", None)
    transaction.on_commit(partial(record_usage, kind, tenant=tenant, amount=amount))


# --------------------------------------------------------------------- quota


def max_pocs(actor: Caller) -> int | None:
    """The organization's POC limit: its replica's ``limits`` over its plan's."""
    return limit_of(actor.require_tenant(), "pocs")


def _quota_lock(actor: Caller, kind: str) -> None:
    """Serialize one organization's writes that count against a limit (this transaction)."""
    with connection.cursor() as cursor:
        key = zlib.crc32(f"{kind}-quota:{actor.require_tenant().schema_name}".encode())
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _check_quota(actor: Caller) -> None:
    """Refuse a new live POC past the plan's limit (403 ``plan_limit_reached``).

    Call inside the writing transaction: the advisory lock serializes creations of
    one organization, so two requests racing for the last free slot cannot both win.
    """
    if max_pocs(actor) is None:
        return
    _quota_lock(actor, "poc")
    check_limit(actor.require_tenant(), "pocs", used=pocs_used())


def _check_storage(actor: Caller, size: int) -> None:
    """Refuse an attachment that would take the organization past its storage limit.

    Every attachment counts, pending uploads included (their bytes are promised),
    and those of deleted POCs still in the restore window.
    """
    tenant = actor.require_tenant()
    if limit_of(tenant, "attachment_bytes") is None:
        return
    _quota_lock(actor, "storage")
    check_limit(tenant, "attachment_bytes", used=attachment_bytes_used(), adding=size)


# --------------------------------------------------------------------- POCs


def _clean(
    changes: PocChanges, current: Poc | None
) -> tuple[dict[str, Any], list[TagValue] | None]:
    """Validated model values from ``changes``; raises ``validation_error`` with every problem."""
    errors: Errors = {}
    values: dict[str, Any] = {f: changes[f] for f in _PLAIN_FIELDS if f in changes}  # type: ignore[literal-required]
    if "languages" in changes:
        values["languages"] = normalize_languages(changes["languages"], errors)
    tags = normalize_tags(changes["tags"], errors) if "tags" in changes else None
    if "repository_url" in changes:
        values["repository_url"], values["repository_host"] = normalize_repository(
            changes["repository_url"], errors
        )
    if "links" in changes:
        values["links"] = normalize_links(changes["links"], errors)
    if "contributors" in changes:
        values["contributors"] = list(dict.fromkeys(changes["contributors"]))
    started = values.get("started_on", current.started_on if current else None)
    finished = values.get("finished_on", current.finished_on if current else None)
    if started and finished and finished < started:
        errors.setdefault("finished_on", []).append(
            field_error("finished_before_started", _("A POC cannot finish before it started."))
        )
    if errors:
        raise invalid(errors)
    return values, tags


def _set_tags(poc: Poc, tags: list[TagValue]) -> None:
    Tag.objects.bulk_create([Tag(slug=t.slug, label=t.label) for t in tags], ignore_conflicts=True)
    by_slug = {tag.slug: tag for tag in Tag.objects.filter(slug__in=[t.slug for t in tags])}
    poc.tags.set([by_slug[t.slug] for t in tags])


@transaction.atomic
def poc_create(
    *,
    actor: Caller,
    name: str,
    summary: str = "",
    description: str = "",
    status: str = PocStatus.IDEA,
    hypothesis: str = "",
    outcome: str = PocOutcome.NONE,
    learnings: str = "",
    languages: Sequence[str] = (),
    tags: Sequence[str] = (),
    repository_url: str = "",
    links: Sequence[dict[str, str]] = (),
    started_on: date | None = None,
    finished_on: date | None = None,
    visibility: str = Visibility.TEAM,
    contributors: Sequence[uuid.UUID] = (),
) -> Poc:
    changes: PocChanges = {
        "name": name,
        "summary": summary,
        "description": description,
        "status": status,
        "hypothesis": hypothesis,
        "outcome": outcome,
        "learnings": learnings,
        "languages": languages,
        "tags": tags,
        "repository_url": repository_url,
        "links": links,
        "started_on": started_on,
        "finished_on": finished_on,
        "visibility": visibility,
        "contributors": contributors,
    }
    values, tag_values = _clean(changes, None)
    _check_quota(actor)
    poc = Poc.objects.create(author_id=actor.id, author_name=actor.name, **values)
    _set_tags(poc, tag_values or [])
    _after_commit(poc, actor)
    _count_after_commit("poc_created", 1)
    return poc


def _editable(actor: Caller, poc_id: uuid.UUID, *, deleted: bool = False) -> Poc:
    """The POC locked for update, or ``poc_not_found`` / ``permission_denied``."""
    poc = Poc.objects.select_for_update().filter(id=poc_id, deleted_at__isnull=not deleted).first()
    if poc is None or not can_edit(actor, poc):
        if poc is not None and poc.visibility == Visibility.TEAM:
            raise edit_denied()
        raise poc_not_found()
    return poc


@transaction.atomic
def poc_update(*, actor: Caller, poc_id: uuid.UUID, changes: PocChanges) -> Poc:
    poc = _editable(actor, poc_id)
    values, tag_values = _clean(changes, poc)
    if values.get("visibility") == Visibility.PRIVATE and poc.author_id != actor.id:
        # Making it private would hide it from the very people who may edit it.
        raise forbidden("permission_denied", _("Only the author may make a POC private."))
    for field, value in values.items():
        setattr(poc, field, value)
    poc.save()
    if tag_values is not None:
        _set_tags(poc, tag_values)
    _after_commit(poc, actor)
    return poc


@transaction.atomic
def poc_delete(*, actor: Caller, poc_id: uuid.UUID) -> None:
    """Soft delete: the POC disappears from every list and can be restored for a while."""
    poc = _editable(actor, poc_id)
    poc.deleted_at = timezone.now()
    poc.save(update_fields=["deleted_at"])
    _after_commit(poc, actor)


def restore_deadline(poc: Poc) -> Any:
    assert poc.deleted_at is not None  # noqa: S101 - only deleted POCs have one
    return poc.deleted_at + timedelta(days=settings.POC_RESTORE_WINDOW_DAYS)


@transaction.atomic
def poc_restore(*, actor: Caller, poc_id: uuid.UUID) -> Poc:
    poc = Poc.objects.select_for_update().filter(id=poc_id).first()
    if poc is not None and poc.deleted_at is None and can_edit(actor, poc):
        raise conflict("poc_not_deleted", _("This POC is not deleted."))
    poc = _editable(actor, poc_id, deleted=True)
    if timezone.now() > restore_deadline(poc):
        raise ApiError(
            "restore_window_passed",
            format_lazy(
                _("Deleted POCs can be restored for {days} days; this one can no longer be."),
                days=settings.POC_RESTORE_WINDOW_DAYS,
            ),
            status=410,
        )
    _check_quota(actor)
    poc.deleted_at = None
    poc.save(update_fields=["deleted_at", "updated_at"])
    _after_commit(poc, actor)
    return poc


# --------------------------------------------------------------------- attachments


def _attachment_rules(filename: str, content_type: str, size: int) -> None:
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ApiError(
            "attachment_too_large",
            format_lazy(_("Attachments may have at most {mib} MiB."), mib=limit // (1024 * 1024)),
            fields={"size": [field_error("attachment_too_large", _("The file is too large."))]},
            extra={"max_bytes": limit},
        )
    allowed = settings.ATTACHMENT_CONTENT_TYPES
    if content_type.lower() not in allowed:
        raise ApiError(
            "attachment_type_not_allowed",
            _("This type of file cannot be attached."),
            fields={
                "content_type": [
                    field_error("attachment_type_not_allowed", _("This type is not accepted."))
                ]
            },
            extra={"allowed_content_types": list(allowed)},
        )


@transaction.atomic
def attachment_create(
    *, actor: Caller, poc_id: uuid.UUID, filename: str, content_type: str, size: int
) -> tuple[Attachment, storage.PresignedRequest]:
    """Register an attachment and return where the client uploads it (presigned PUT)."""
    poc = _editable(actor, poc_id)
    _attachment_rules(filename, content_type, size)
    _check_storage(actor, size)
    attachment_id = uuid.uuid4()
    attachment = Attachment.objects.create(
        id=attachment_id,
        poc=poc,
        filename=filename.strip()[:255],
        content_type=content_type.lower(),
        size=size,
        key=storage.object_key(poc.id, attachment_id, filename),
        upload_key=storage.upload_key(poc.id, attachment_id),
        uploaded_by=actor.id,
    )
    upload = storage.presigned_upload(actor.tenant_id, attachment)
    return attachment, upload


def _attachment_of(actor: Caller, poc: Poc, attachment_id: uuid.UUID) -> Attachment:
    attachment = Attachment.objects.select_for_update().filter(id=attachment_id, poc=poc).first()
    if attachment is None:
        raise attachment_not_found()
    return attachment


@transaction.atomic
def attachment_complete(
    *, actor: Caller, poc_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment:
    """Verify the upload and make it the attachment's file, out of the client's reach.

    The presigned PUT writes the upload key and stays valid for a while, so
    whatever is checked there could be replaced afterwards. Completion copies
    the object to the final key (never presigned for writing), reads *that*
    back (size, type, SHA-256) and only then marks the attachment ready; the
    upload key is deleted, and the cleanup sweep deletes anything a late PUT
    writes there again.
    """
    poc = _editable(actor, poc_id)
    attachment = _attachment_of(actor, poc, attachment_id)
    if attachment.state == AttachmentState.READY:
        return attachment
    tenant_id = actor.tenant_id
    source = attachment.upload_key or attachment.key  # empty: started before upload keys
    stored_size = storage.stored_size(tenant_id, source)
    if stored_size is None:
        raise conflict("attachment_not_uploaded", _("The file has not been uploaded yet."))
    if stored_size != attachment.size:
        # Never keep bytes we did not agree to (a bigger file than declared, say).
        storage.delete_object(tenant_id, source)
        raise _size_mismatch()
    if source != attachment.key:
        storage.copy_object(tenant_id, source=source, target=attachment.key)
    stored = storage.read_stored(tenant_id, attachment.key, max_bytes=attachment.size)
    if stored is None:
        raise conflict("attachment_not_uploaded", _("The file has not been uploaded yet."))
    if stored.size != attachment.size or stored.content_type != attachment.content_type:
        # Replaced between the check and the copy: keep neither.
        for key in {source, attachment.key}:
            storage.delete_object(tenant_id, key)
        if stored.size != attachment.size:
            raise _size_mismatch()
        raise conflict(
            "attachment_type_mismatch",
            _("The uploaded file does not have the declared type. Upload it again."),
        )
    if source != attachment.key:
        storage.delete_object(tenant_id, source)
    attachment.sha256 = stored.sha256
    attachment.state = AttachmentState.READY
    attachment.completed_at = timezone.now()
    attachment.save(update_fields=["sha256", "state", "completed_at"])
    _count_after_commit("storage_bytes", attachment.size)
    return attachment


def _size_mismatch() -> ApiError:
    return conflict(
        "attachment_size_mismatch",
        _("The uploaded file does not have the declared size. Upload it again."),
    )


@transaction.atomic
def attachment_delete(*, actor: Caller, poc_id: uuid.UUID, attachment_id: uuid.UUID) -> None:
    poc = _editable(actor, poc_id)
    attachment = _attachment_of(actor, poc, attachment_id)
    try:
        for key in {attachment.key, attachment.upload_key} - {""}:
            storage.delete_object(actor.tenant_id, key)
    except ClientError:
        # The row goes anyway: an orphan object costs little, a row without a file misleads.
        storage.logger.warning("attachment object not deleted", extra={"key": attachment.key})
    attachment.delete()


# --------------------------------------------------------------------- for other services


@transaction.atomic
def poc_append_learning(
    *,
    tenant: Tenant,
    poc_id: uuid.UUID,
    text: str,
    source: str,
    source_id: uuid.UUID,
    author_id: uuid.UUID,
) -> tuple[LearningNote, Poc, bool]:
    """Append ``text`` to the POC's learnings once per ``(source, source_id)``.

    Returns the note, the POC and whether the note is new. A private POC exists
    only for its author, as for members. Runs in the tenant's schema.
    """
    poc = Poc.objects.select_for_update().filter(id=poc_id, deleted_at__isnull=True).first()
    if poc is None or (poc.visibility == Visibility.PRIVATE and poc.author_id != author_id):
        raise poc_not_found()
    existing = LearningNote.objects.filter(source=source, source_id=source_id).first()
    if existing is not None:
        if existing.poc_id != poc.id:
            raise conflict(
                "source_id_conflict", _("This note was already attached to another POC.")
            )
        return existing, poc, False
    text = text.strip()
    current = poc.learnings.rstrip()
    learnings = f"{current}\n\n{text}" if current else text
    if len(learnings) > LEARNINGS_MAX_LENGTH:
        raise conflict(
            "learnings_too_long",
            format_lazy(
                _("The learnings of this POC would exceed {n} characters."),
                n=LEARNINGS_MAX_LENGTH,
            ),
        )
    try:
        with transaction.atomic():
            note = LearningNote.objects.create(
                poc=poc, source=source, source_id=source_id, author_id=author_id, text=text
            )
    except IntegrityError:
        # The same note for another POC, committed meanwhile.
        raise conflict(
            "source_id_conflict", _("This note was already attached to another POC.")
        ) from None
    poc.learnings = learnings
    poc.save(update_fields=["learnings", "updated_at"])
    transaction.on_commit(partial(signals.poc_changed, poc.id, tenant.id))
    return note, poc, True


__all__ = [
    "PocChanges",
    "attachment_complete",
    "attachment_create",
    "attachment_delete",
    "can_edit",
    "max_pocs",
    "poc_append_learning",
    "poc_create",
    "poc_delete",
    "poc_restore",
    "poc_update",
]
