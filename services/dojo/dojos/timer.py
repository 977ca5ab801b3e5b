"""Turns at the keyboard: the server-authoritative timer and the randori rotation."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from pocdex_shared.callers import Caller

from .engine import ROLE_FIELDS, TIMER_FIELDS, Change, emit, lock_dojo, save
from .models import Dojo, DojoStatus, Participant
from .wire import ROLES, iso, roles_json


def timer_json(dojo: Dojo, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    if dojo.status != DojoStatus.LIVE:
        state = "stopped"
        remaining = None
    elif dojo.paused_remaining_ms is not None:
        state = "paused"
        remaining = dojo.paused_remaining_ms
    elif dojo.turn_deadline is not None:
        state = "running"
        remaining = max(0, int((dojo.turn_deadline - now).total_seconds() * 1000))
    else:
        state = "waiting"
        remaining = None
    return {
        "state": state,
        "deadline": iso(dojo.turn_deadline) if state == "running" else None,
        "remaining_ms": remaining,
        "rotation_ms": _turn_length(dojo) * 1000,
        "server_time": iso(now),
    }


def _turn_length(dojo: Dojo) -> int:
    """Seconds in one turn at the keyboard."""
    return int(dojo.rotation_minutes * settings.DOJO_ROTATION_UNIT_SECONDS)


def start_turn(dojo: Dojo, now: datetime) -> None:
    dojo.turn_started_at = now
    dojo.paused_remaining_ms = None
    if dojo.status == DojoStatus.LIVE and dojo.piloto_id is not None:
        dojo.turn_deadline = now + timedelta(seconds=_turn_length(dojo))
    else:
        dojo.turn_deadline = None


def _turn_seconds(dojo: Dojo, now: datetime) -> int:
    """Seconds the current piloto actually had the keyboard (pauses excluded)."""
    total = _turn_length(dojo)
    if dojo.paused_remaining_ms is not None:
        return max(0, total - dojo.paused_remaining_ms // 1000)
    if dojo.turn_deadline is None:
        return 0
    return max(0, min(total, total - int((dojo.turn_deadline - now).total_seconds())))


def credit_piloto(dojo: Dojo, now: datetime) -> None:
    if dojo.piloto_id is None or dojo.status != DojoStatus.LIVE:
        return
    Participant.objects.filter(dojo=dojo, user_id=dojo.piloto_id).update(
        seconds_as_piloto=F("seconds_as_piloto") + _turn_seconds(dojo, now),
        turns_as_piloto=F("turns_as_piloto") + 1,
    )


def rotate(dojo: Dojo, now: datetime) -> None:
    """Randori rotation, strong style: the co-piloto takes the keyboard, the next in
    the queue becomes co-piloto, the piloto goes to the end of the queue."""
    credit_piloto(dojo, now)
    piloto, copiloto, queue = dojo.piloto_id, dojo.copiloto_id, list(dojo.queue)
    if piloto is not None and copiloto is not None:
        dojo.piloto_id = copiloto
        if queue:
            dojo.copiloto_id = uuid.UUID(queue.pop(0))
            queue.append(str(piloto))
        else:
            dojo.copiloto_id = piloto
        dojo.queue = queue
    start_turn(dojo, now)


def roles_event(change: Change, reason: str, now: datetime, actor: Caller | None = None) -> None:
    dojo = change.dojo
    emit(
        change,
        ROLES,
        {"reason": reason, **roles_json(dojo), "timer": timer_json(dojo, now)},
        actor=actor,
        now=now,
    )


@transaction.atomic
def rotate_if_due(dojo_id: uuid.UUID | str, deadline: datetime) -> Change | None:
    """Rotate once for ``deadline``: a no-op if it was already handled or changed.

    Every instance with members of this dojo calls this when its local timer
    fires; the row lock and the deadline comparison make exactly one succeed.
    """
    dojo = lock_dojo(dojo_id, None)
    now = timezone.now()
    if (
        dojo.status != DojoStatus.LIVE
        or dojo.turn_deadline is None
        or dojo.paused_remaining_ms is not None
        or dojo.turn_deadline != deadline
        or dojo.turn_deadline > now
    ):
        return None
    change = Change(dojo)
    rotate(dojo, now)
    roles_event(change, "rotation", now)
    save(change, *ROLE_FIELDS, *TIMER_FIELDS)
    return change
