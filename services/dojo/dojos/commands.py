"""What people do to a session: start, end and join (REST), and the client frames (WebSocket)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pocdex_shared.callers import Caller
from pocdex_shared.ot import OTError
from pocdex_shared.ot.operation import TextOperation
from pocdex_shared.ot.server import OTServerDocument

from .engine import (
    ROLE_FIELDS,
    TIMER_FIELDS,
    Change,
    emit,
    ensure_participant,
    flush,
    lock_dojo,
    require_live,
    save,
    seat,
    take_snapshot,
)
from .models import Dojo, DojoEvent, DojoStatus, Participant, TestStatus
from .rules import DojoError, can_run, ended, not_allowed
from .timer import credit_piloto, roles_event, rotate, start_turn, timer_json
from .wire import CHAT, ENDED, OP, STARTED, TEST_STATUS, TIMER, event_json, roles_json

# ------------------------------------------------------------------ lifecycle (REST)


@transaction.atomic
def start(dojo_id: uuid.UUID | str, actor: Caller) -> Change:
    dojo = lock_dojo(dojo_id, actor)
    if not can_run(actor, dojo):
        raise not_allowed("not_facilitator", _("Only the facilitator or an admin can do this."))
    if dojo.status == DojoStatus.ENDED:
        raise ended()
    change = Change(dojo)
    if dojo.status == DojoStatus.LIVE:
        return change
    now = timezone.now()
    dojo.status = DojoStatus.LIVE
    dojo.started_at = now
    start_turn(dojo, now)
    emit(change, STARTED, {"roles": roles_json(dojo), "timer": timer_json(dojo, now)}, actor=actor)
    save(change, "status", "started_at", *TIMER_FIELDS)
    return change


@transaction.atomic
def end(dojo_id: uuid.UUID | str, actor: Caller) -> Change:
    dojo = lock_dojo(dojo_id, actor)
    if not can_run(actor, dojo):
        raise not_allowed("not_facilitator", _("Only the facilitator or an admin can do this."))
    change = Change(dojo)
    if dojo.status == DojoStatus.ENDED:
        return change
    now = timezone.now()
    if dojo.status == DojoStatus.LIVE:
        credit_piloto(dojo, now)
    dojo.status = DojoStatus.ENDED
    dojo.ended_at = now
    dojo.started_at = dojo.started_at or now
    dojo.turn_deadline = None
    dojo.paused_remaining_ms = None
    emit(
        change,
        ENDED,
        {"revision": dojo.revision, "document_length": len(dojo.document)},
        actor=actor,
        now=now,
    )
    save(change, "status", "ended_at", "started_at", *TIMER_FIELDS)
    change.snapshot = True
    take_snapshot(dojo, now)
    return change


@transaction.atomic
def join(dojo_id: uuid.UUID | str, actor: Caller) -> tuple[Dojo, Participant]:
    """Become a participant (REST ``join``): idempotent; no event until they connect."""
    dojo = lock_dojo(dojo_id, actor)
    if dojo.status == DojoStatus.ENDED:
        raise ended()
    return dojo, ensure_participant(dojo, actor)


# ------------------------------------------------------------------ frames (WebSocket)


def _may_edit(dojo: Dojo, actor: Caller) -> bool:
    if actor.id == dojo.piloto_id:
        return True
    return dojo.copiloto_may_edit and actor.id == dojo.copiloto_id


def _string(frame: dict[str, Any], key: str, *, max_length: int, required: bool = True) -> str:
    value = frame.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise DojoError("invalid_frame", _("“%(key)s” must be text.") % {"key": key}, status=400)
    if len(value) > max_length:
        raise DojoError(
            "text_too_long",
            _("“%(key)s” is longer than %(max)d characters.") % {"key": key, "max": max_length},
            status=400,
        )
    return value


def _operation(change: Change, actor: Caller, frame: dict[str, Any]) -> None:
    dojo = change.dojo
    require_live(dojo)
    if not _may_edit(dojo, actor):
        raise not_allowed(
            "role_may_not_edit", _("Only the piloto (and the co-piloto, if allowed) can edit.")
        )
    client_id = _string(frame, "id", max_length=64, required=False)
    revision = frame.get("revision")
    oldest = max(0, dojo.revision - settings.DOJO_MAX_REBASE_OPERATIONS)
    history: list[TextOperation] = []
    if (
        isinstance(revision, int)
        and not isinstance(revision, bool)
        and (oldest <= revision < dojo.revision)
    ):
        flush(change)
        rows = list(DojoEvent.objects.filter(dojo=dojo, revision__gt=revision).order_by("revision"))
        for row in rows:
            if client_id and row.actor_id == actor.id and row.payload.get("id") == client_id:
                # A resend after a lost acknowledgement: already sequenced, never twice.
                change.duplicate_of = event_json(row)
                return
        history = [TextOperation.from_json(row.payload["op"]) for row in rows]
    document = OTServerDocument(
        text=dojo.document,
        revision=dojo.revision,
        history=history,
        max_document_length=settings.DOJO_MAX_DOCUMENT_CHARS,
        max_operation_size=settings.DOJO_MAX_OPERATION_CHARS,
    )
    try:
        accepted = document.receive(frame.get("op"), revision)
    except OTError as exc:
        raise DojoError(str(exc.code), exc.message, status=400) from None
    now = timezone.now()
    dojo.document = document.text
    dojo.revision = accepted.revision
    emit(
        change,
        OP,
        {"revision": accepted.revision, "op": accepted.operation.to_json(), "id": client_id},
        actor=actor,
        revision=accepted.revision,
        now=now,
    )
    save(change, "document", "revision")
    if dojo.revision % settings.DOJO_SNAPSHOT_EVERY == 0:
        take_snapshot(dojo, now, change)


def _chat(change: Change, actor: Caller, frame: dict[str, Any]) -> None:
    if change.dojo.status == DojoStatus.ENDED:
        raise ended()
    text = _string(frame, "text", max_length=settings.DOJO_MAX_CHAT_CHARS).strip()
    if not text:
        raise DojoError("empty_message", _("The message is empty."), status=400)
    emit(change, CHAT, {"text": text}, actor=actor)
    save(change)


def _test_status(change: Change, actor: Caller, frame: dict[str, Any]) -> None:
    dojo = change.dojo
    require_live(dojo)
    if actor.id != dojo.piloto_id:
        raise not_allowed("not_piloto", _("Only the piloto announces the test status."))
    status = frame.get("status")
    if status not in (TestStatus.RED, TestStatus.GREEN):
        raise DojoError(
            "invalid_test_status", _("The test status is “red” or “green”."), status=400
        )
    dojo.test_status = status
    emit(change, TEST_STATUS, {"status": status}, actor=actor)
    save(change, "test_status")


def _pass(change: Change, actor: Caller, frame: dict[str, Any]) -> None:
    dojo = change.dojo
    require_live(dojo)
    if actor.id != dojo.piloto_id and not can_run(actor, dojo):
        raise not_allowed("not_piloto", _("Only the piloto or the facilitator can pass."))
    if dojo.copiloto_id is None:
        raise DojoError("nobody_to_pass_to", _("There is no co-piloto to pass the keyboard to."))
    now = timezone.now()
    rotate(dojo, now)
    roles_event(change, "pass", now, actor)
    save(change, *ROLE_FIELDS, *TIMER_FIELDS)


def _pause(change: Change, actor: Caller, frame: dict[str, Any]) -> None:
    dojo = change.dojo
    require_live(dojo)
    if actor.id not in {dojo.piloto_id, dojo.copiloto_id} and not can_run(actor, dojo):
        raise not_allowed("not_at_keyboard", _("Only the pair at the keyboard can pause."))
    if dojo.paused_remaining_ms is not None:
        return
    if dojo.turn_deadline is None:
        raise DojoError("timer_not_running", _("The timer is not running."))
    now = timezone.now()
    dojo.paused_remaining_ms = max(0, int((dojo.turn_deadline - now).total_seconds() * 1000))
    dojo.turn_deadline = None
    emit(change, TIMER, timer_json(dojo, now), actor=actor, now=now)
    save(change, *TIMER_FIELDS)


def _resume(change: Change, actor: Caller, frame: dict[str, Any]) -> None:
    dojo = change.dojo
    require_live(dojo)
    if actor.id not in {dojo.piloto_id, dojo.copiloto_id} and not can_run(actor, dojo):
        raise not_allowed("not_at_keyboard", _("Only the pair at the keyboard can resume."))
    if dojo.paused_remaining_ms is None:
        return
    now = timezone.now()
    dojo.turn_deadline = now + timedelta(milliseconds=dojo.paused_remaining_ms)
    dojo.paused_remaining_ms = None
    emit(change, TIMER, timer_json(dojo, now), actor=actor, now=now)
    save(change, *TIMER_FIELDS)


def _queue(change: Change, actor: Caller, frame: dict[str, Any]) -> None:
    """``{"type": "queue", "join": true|false}``: enter or leave the rotation queue."""
    dojo = change.dojo
    if dojo.status == DojoStatus.ENDED:
        raise ended()
    join = frame.get("join")
    if not isinstance(join, bool):
        raise DojoError("invalid_frame", _("“join” must be true or false."), status=400)
    user = str(actor.id)
    now = timezone.now()
    if join:
        if not seat(dojo, actor.id):
            return
        if dojo.turn_deadline is None and dojo.paused_remaining_ms is None:
            start_turn(dojo, now)
        roles_event(change, "queue_joined", now, actor)
    else:
        if user not in dojo.queue:
            return
        dojo.queue = [u for u in dojo.queue if u != user]
        roles_event(change, "queue_left", now, actor)
    save(change, *ROLE_FIELDS, *TIMER_FIELDS)


def _assign(change: Change, actor: Caller, frame: dict[str, Any]) -> None:
    """The facilitator seats people: ``{"type": "assign", "piloto", "copiloto", "queue"}``."""
    dojo = change.dojo
    if dojo.status == DojoStatus.ENDED:
        raise ended()
    if not can_run(actor, dojo):
        raise not_allowed("not_facilitator", _("Only the facilitator or an admin can do this."))
    known = {
        str(u) for u in Participant.objects.filter(dojo=dojo).values_list("user_id", flat=True)
    }

    def person(value: Any, key: str) -> uuid.UUID | None:
        if value is None:
            return None
        if not isinstance(value, str) or value not in known:
            raise DojoError(
                "unknown_participant",
                _("“%(key)s” is not a participant of this dojo.") % {"key": key},
                status=400,
            )
        return uuid.UUID(value)

    piloto = person(frame.get("piloto"), "piloto")
    copiloto = person(frame.get("copiloto"), "copiloto")
    queue = frame.get("queue", [])
    if not isinstance(queue, list) or len(queue) > 500:
        raise DojoError("invalid_frame", _("“queue” must be a list of participants."), status=400)
    ordered = [str(person(u, "queue")) for u in queue]
    seats = [str(s) for s in (piloto, copiloto) if s is not None] + ordered
    if len(seats) != len(set(seats)):
        raise DojoError("duplicate_seat", _("A person can hold one seat only."), status=400)
    if piloto is None and copiloto is not None:
        raise DojoError("piloto_required", _("A co-piloto needs a piloto."), status=400)
    now = timezone.now()
    if dojo.piloto_id != piloto:
        credit_piloto(dojo, now)
        dojo.piloto_id = piloto
        start_turn(dojo, now)
    dojo.copiloto_id = copiloto
    dojo.queue = ordered
    roles_event(change, "assigned", now, actor)
    save(change, *ROLE_FIELDS, *TIMER_FIELDS)


COMMANDS = {
    "op": _operation,
    "chat": _chat,
    "test_status": _test_status,
    "pass": _pass,
    "pause": _pause,
    "resume_timer": _resume,
    "queue": _queue,
    "assign": _assign,
}


def handle(dojo_id: uuid.UUID | str, actor: Caller, frame: dict[str, Any]) -> Change:
    """Apply one client command atomically; ``DojoError`` leaves everything as it was."""
    command = COMMANDS[frame["type"]]
    try:
        with transaction.atomic():
            dojo = lock_dojo(dojo_id, actor)
            change = Change(dojo)
            command(change, actor, frame)
            return change
    except IntegrityError:
        # Two writers can only collide on the unique (dojo, seq) if the lock was bypassed.
        raise DojoError("conflict", _("Please try again."), status=409) from None
