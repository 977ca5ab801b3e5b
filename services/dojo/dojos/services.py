"""Changes of the REST API that are not session commands: scheduling, changing and
cancelling a dojo, its retrospective, and WebSocket tickets.

The session itself (start, end, join, the frames) is ``dojos.commands``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pocdex_shared.callers import Caller
from pocdex_shared.errors import ApiError
from pocdex_shared.jwt import VerifiedToken
from pocdex_shared.plans import check_limit, limit_of, quota_lock
from pocdex_shared.tenancy.asgi import issue_ticket

from . import access, learnings
from .models import Dojo, DojoStatus, Participant
from .rules import DojoError, can_run
from .selectors import dojo_get, dojos_this_month


def _people(invitees: Any) -> list[str]:
    return sorted({str(u) for u in invitees})


def _require_facilitator(actor: Caller, dojo: Dojo) -> None:
    if not can_run(actor, dojo):
        raise ApiError(
            "not_facilitator", _("Only the facilitator or an admin can do this."), status=403
        )


@transaction.atomic
def dojo_create(*, actor: Caller, data: dict[str, Any]) -> Dojo:
    """Schedule a dojo; its facilitator is the member who schedules it.

    The plan limits the dojos scheduled per calendar month (403 ``plan_limit_reached``).
    """
    tenant = actor.require_tenant()
    if limit_of(tenant, "dojos_per_month") is not None:
        quota_lock("dojos")
        check_limit(tenant, "dojos_per_month", used=dojos_this_month())
    data = {**data, "invitees": _people(data["invitees"])}
    return Dojo.objects.create(facilitator_id=actor.id, facilitator_name=actor.name, **data)


@transaction.atomic
def dojo_update(
    *, actor: Caller, dojo_id: uuid.UUID, changes: Callable[[Dojo], dict[str, Any]]
) -> Dojo:
    """Change a dojo (facilitator or admin, before it ends).

    ``changes`` validates the request against the locked dojo, once the person
    is known to be allowed (a refusal comes before a validation error).
    """
    dojo = dojo_get(actor=actor, dojo_id=dojo_id)
    dojo = Dojo.objects.select_for_update().get(id=dojo.id)
    _require_facilitator(actor, dojo)
    if dojo.status == DojoStatus.ENDED:
        raise DojoError("dojo_ended", _("The dojo has ended.")).as_api_error()
    data = changes(dojo)
    if "invitees" in data:
        data["invitees"] = _people(data["invitees"])
    for name, value in data.items():
        setattr(dojo, name, value)
    dojo.save(update_fields=[*data, "updated_at"])
    return dojo


@transaction.atomic
def dojo_cancel(*, actor: Caller, dojo_id: uuid.UUID) -> None:
    """Delete a dojo that has not started (facilitator or admin)."""
    dojo = dojo_get(actor=actor, dojo_id=dojo_id)
    dojo = Dojo.objects.select_for_update().get(id=dojo.id)
    _require_facilitator(actor, dojo)
    if dojo.status != DojoStatus.SCHEDULED:
        raise ApiError(
            "dojo_already_started",
            _("A dojo that has started cannot be deleted."),
            status=409,
        )
    dojo.delete()


def retrospective_write(
    *, actor: Caller, dojo_id: uuid.UUID, notes: str, attach_to_poc: bool
) -> Dojo:
    """Write the retrospective after the end (participants, facilitator, admins), and
    optionally add it to the linked POC's learnings with the writer's rights."""
    with transaction.atomic():
        dojo = dojo_get(actor=actor, dojo_id=dojo_id)
        dojo = Dojo.objects.select_for_update().get(id=dojo.id)
        is_participant = Participant.objects.filter(dojo=dojo, user_id=actor.id).exists()
        if not (can_run(actor, dojo) or is_participant):
            raise ApiError(
                "not_participant",
                _("Only the dojo's participants can write its retrospective."),
                status=403,
            )
        if dojo.status != DojoStatus.ENDED:
            raise ApiError(
                "dojo_not_ended", _("The retrospective comes after the dojo ends."), status=409
            )
        dojo.retrospective = notes.strip()
        dojo.retrospective_updated_at = timezone.now()
        dojo.save(update_fields=["retrospective", "retrospective_updated_at", "updated_at"])
    if attach_to_poc:
        learnings.attach(dojo, actor)
        dojo.refresh_from_db()
    return dojo


def ticket_issue(
    *, actor: Caller, token: VerifiedToken, dojo_id: uuid.UUID, language: str
) -> tuple[Dojo, str]:
    """A one-time ticket for the dojo's socket; none for a member removed since the token."""
    issued_at = int(token.issued_at.timestamp())
    if access.removed_since(actor.id, issued_at):
        raise ApiError("membership_revoked", access.MESSAGES["membership_revoked"], status=403)
    dojo = dojo_get(actor=actor, dojo_id=dojo_id)
    sid = token.claims.get("sid")
    ticket = issue_ticket(
        token,
        resource=f"dojo:{dojo.id}",
        extra={
            "name": actor.name,
            "lang": language,
            # What a revocation is matched against while the socket is open.
            "sid": sid if isinstance(sid, str) else "",
            "iat": str(issued_at),
        },
    )
    return dojo, ticket
