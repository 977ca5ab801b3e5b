"""When access ends while sockets are open: suspension, removal, revoked tokens.

A socket is authorized once, when it opens with its ticket. Three events from
accounts end that authorization later, and dojo handles each by closing the
sockets concerned, on every instance (``dojos.live``, the control group):

* ``tenant.updated`` with status ``suspended``: every socket of the organization;
* ``member.removed``: the person's sockets in that organization. The removal is
  also recorded (``RemovedMember``) so that no ticket is issued, and no socket
  opened, with a token issued before it;
* ``tokens.revoked`` (docs/tokens.md): the person's sockets opened with a token
  the revocation covers: same organization (or every one), same session (the
  token's ``sid``; a token without one is matched by person and issue time), and
  issued at or before ``issued_before``.

A closed socket gets an error frame (``tenant_suspended``,
``membership_revoked`` or ``token_revoked``) and the close code 4410
(docs/protocol/dojo-websocket.md). The message is sent after the handler's
transaction commits, so a client that reconnects at once meets the new state.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from pocdex_shared.events.consumer import handles
from pocdex_shared.tenancy.scope import (
    Require,
    TenantSuspendedError,
    TenantUnavailable,
    check_status,
    tenant_scope,
)

from .live import CONTROL_GROUP, REVOKE
from .models import RemovedMember

logger = logging.getLogger(__name__)

TENANT_UPDATED = "tenant.updated"
MEMBER_REMOVED = "member.removed"
TOKENS_REVOKED = "tokens.revoked"

# The socket's close code when its access ended (4000-4999 are the application's).
CLOSE_REVOKED = 4410

MESSAGES = {
    "tenant_suspended": _("This organization is suspended."),
    "membership_revoked": _("You are no longer a member of this organization."),
    "token_revoked": _(
        "This access token was revoked. Refresh it, then reconnect; log in again if that fails."
    ),
}


def revocation(
    code: str,
    *,
    tenant: str | None = None,
    user: str | None = None,
    family: str | None = None,
    issued_before: int | None = None,
) -> dict[str, Any]:
    """The control message: which sockets to close, and why (``code``).

    ``None`` matches anything: ``tenant`` every organization, ``user`` every
    person, ``family`` every session, ``issued_before`` any issue time.
    """
    return {
        "type": REVOKE,
        "code": code,
        "tenant": tenant,
        "user": user,
        "family": family,
        "issued_before": issued_before,
    }


def matches(
    message: dict[str, Any], *, tenant: str, user: str, family: str | None, issued_at: int | None
) -> bool:
    """Whether a socket opened by ``user`` in ``tenant`` with that token is concerned."""
    if message.get("tenant") is not None and message["tenant"] != tenant:
        return False
    if message.get("user") is not None and message["user"] != user:
        return False
    # A socket whose ticket carries no session or issue time is matched by person
    # (and organization) alone: closing it costs a reconnection, keeping it open
    # would keep a revoked session alive.
    if message.get("family") is not None and family and message["family"] != family:
        return False
    before = message.get("issued_before")
    return not (before is not None and issued_at is not None and issued_at > before)


def close_sockets(message: dict[str, Any]) -> None:
    """Send ``message`` to every instance once the current transaction commits."""

    def send() -> None:
        try:
            async_to_sync(get_channel_layer().group_send)(CONTROL_GROUP, message)
        except Exception:
            # The event is recorded as processed; the deny list and the ticket
            # check still refuse the person: log, do not retry the whole event.
            logger.exception("dojo revocation could not be sent", extra={"code": message["code"]})

    transaction.on_commit(send)


# ------------------------------------------------------------------ removed members


def record_removal(*, tenant_id: str, user_id: str, at: datetime) -> bool:
    """Note that ``user_id`` left ``tenant_id`` at ``at``. False if the organization is unknown."""
    try:
        # Upkeep: recorded whatever the organization's status (ADR 0025).
        with tenant_scope(tenant_id=tenant_id, require=Require.LIVE):
            row, created = RemovedMember.objects.get_or_create(
                user_id=user_id, defaults={"removed_at": at}
            )
            if not created and row.removed_at < at:
                RemovedMember.objects.filter(user_id=user_id).update(removed_at=at)
    except TenantUnavailable:
        return False
    return True


def removed_since(user_id: uuid.UUID, issued_at: int | None) -> bool:
    """Whether the person was removed from the current organization after the token was issued.

    Runs in the organization's schema. A token issued after the removal means
    they were invited back. ``issued_at`` None (no issue time known): any removal.
    """
    rows = RemovedMember.objects.filter(user_id=user_id)
    if issued_at is not None:
        rows = rows.filter(removed_at__gte=datetime.fromtimestamp(issued_at, tz=UTC))
    return rows.exists()


# ------------------------------------------------------------------ event handlers


def _occurred_at(envelope: dict[str, Any]) -> datetime:
    return parse_datetime(str(envelope.get("occurred_at") or "")) or timezone.now()


def _uuid_text(value: Any) -> str | None:
    try:
        return str(uuid.UUID(str(value))) if value is not None else None
    except ValueError:
        return None


@handles(TENANT_UPDATED)
def close_sockets_of_suspended_organization(envelope: dict[str, Any]) -> None:
    payload = envelope["payload"]
    tenant = _uuid_text(payload.get("id"))
    if tenant is None:
        return
    # Sockets follow the policy of new work (ADR 0025): the same check as everywhere.
    try:
        check_status(str(payload.get("status")), Require.ACTIVE)
    except TenantSuspendedError as refusal:
        close_sockets(revocation(refusal.code, tenant=tenant))
    except TenantUnavailable:
        return  # not a status an organization moves back to


@handles(MEMBER_REMOVED)
def close_sockets_of_removed_member(envelope: dict[str, Any]) -> None:
    payload = envelope["payload"]
    tenant, user = _uuid_text(payload.get("tenant_id")), _uuid_text(payload.get("user_id"))
    if tenant is None or user is None:
        logger.warning("member.removed without a tenant or a user ignored")
        return
    record_removal(tenant_id=tenant, user_id=user, at=_occurred_at(envelope))
    close_sockets(revocation("membership_revoked", tenant=tenant, user=user))


@handles(TOKENS_REVOKED)
def close_sockets_of_revoked_tokens(envelope: dict[str, Any]) -> None:
    payload = envelope["payload"]
    user = _uuid_text(payload.get("user_id"))
    before = payload.get("issued_before")
    if user is None or not isinstance(before, int) or isinstance(before, bool):
        logger.warning("tokens.revoked without a user or an issue time ignored")
        return
    close_sockets(
        revocation(
            "token_revoked",
            tenant=_uuid_text(payload.get("tenant_id")),
            user=user,
            family=_uuid_text(payload.get("family_id")),
            issued_before=before,
        )
    )
