"""The dojo session's state machine: every change is one locked, sequenced transaction.

Each function here runs in the organization's schema (the caller activates it),
locks the dojo row (``SELECT … FOR UPDATE``), checks the rules, changes the
state, appends events with the next sequence numbers and returns them in their
wire form. The caller broadcasts them after commit. Because every instance goes
through the same row lock, two daphne instances can never hand out the same
sequence number, apply two operations at the same revision, or rotate the
roles twice for one deadline.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pocdex_shared.ot import OTError, Selection
from pocdex_shared.ot.operation import TextOperation
from pocdex_shared.ot.server import OTServerDocument

from . import statements
from .models import (
    Connection,
    Dojo,
    DojoEvent,
    DojoStatus,
    Instance,
    Participant,
    Snapshot,
    TestStatus,
)
from .rules import Actor, DojoError, can_run, can_see, dojo_not_found, ended, not_allowed, not_live

Event = dict[str, Any]

# Kinds of sequenced events (docs/protocol/dojo-websocket.md).
PRESENCE = "presence"
ROLES = "roles"
TIMER = "timer"
OP = "op"
CHAT = "chat"
TEST_STATUS = "test_status"
STARTED = "dojo_started"
ENDED = "dojo_ended"


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def event_json(event: DojoEvent) -> Event:
    return {
        "type": event.kind,
        "seq": event.seq,
        "at": iso(event.created_at),
        **event.payload,
    }


@dataclass
class Change:
    """What one locked transaction produced."""

    dojo: Dojo
    events: list[Event] = field(default_factory=list)
    snapshot: bool = False
    # An operation the sender had already sent (same client id): its original event.
    duplicate_of: Event | None = None


# ------------------------------------------------------------------ state


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


def roles_json(dojo: Dojo) -> dict[str, Any]:
    return {
        "piloto": str(dojo.piloto_id) if dojo.piloto_id else None,
        "copiloto": str(dojo.copiloto_id) if dojo.copiloto_id else None,
        "queue": list(dojo.queue),
    }


def participants_json(dojo: Dojo) -> list[dict[str, Any]]:
    return [
        {"id": str(p.user_id), "name": p.name}
        for p in Participant.objects.filter(dojo=dojo).order_by("joined_at", "id")
    ]


def state_json(dojo: Dojo) -> dict[str, Any]:
    """Everything a client needs to render the session as of ``dojo.last_seq``."""
    return {
        "dojo": str(dojo.id),
        "status": dojo.status,
        "seq": dojo.last_seq,
        "revision": dojo.revision,
        "document": dojo.document,
        "roles": roles_json(dojo),
        "timer": timer_json(dojo),
        "test_status": dojo.test_status,
        "copiloto_may_edit": dojo.copiloto_may_edit,
        "participants": participants_json(dojo),
        "connected": connected_users(dojo),
    }


# ------------------------------------------------------------------ helpers


def _lock(dojo_id: uuid.UUID | str, actor: Actor | None) -> Dojo:
    try:
        key = dojo_id if isinstance(dojo_id, uuid.UUID) else uuid.UUID(str(dojo_id))
    except ValueError:
        key = None
    dojo = statements.lock(Dojo, key) if key is not None else None
    if dojo is None:
        raise DojoError("dojo_not_found", _("This dojo does not exist."), status=404)
    if actor is not None and not can_see(actor, dojo):
        raise DojoError("dojo_not_found", _("This dojo does not exist."), status=404)
    return dojo


def _emit(
    change: Change,
    kind: str,
    payload: dict[str, Any],
    *,
    actor: Actor | None = None,
    revision: int | None = None,
    now: datetime | None = None,
) -> None:
    dojo = change.dojo
    dojo.last_seq += 1
    if actor is not None:
        payload = {"actor": actor.as_json(), **payload}
    event = DojoEvent(
        dojo=dojo,
        seq=dojo.last_seq,
        kind=kind,
        actor_id=actor.id if actor else None,
        payload=payload,
        revision=revision,
        created_at=now or timezone.now(),
    )
    statements.insert(event)
    change.events.append(event_json(event))


def _save(change: Change, *fields: str) -> None:
    statements.update(change.dojo, ["last_seq", "updated_at", *fields])


def _participant(dojo: Dojo, actor: Actor) -> Participant:
    participant, created = Participant.objects.get_or_create(
        dojo=dojo, user_id=actor.id, defaults={"name": actor.name}
    )
    if not created and actor.name and participant.name != actor.name:
        participant.name = actor.name
        participant.save(update_fields=["name"])
    return participant


def _in_rotation(dojo: Dojo, user: str) -> bool:
    return user in {str(dojo.piloto_id), str(dojo.copiloto_id)} or user in dojo.queue


def _seat(dojo: Dojo, user_id: uuid.UUID) -> bool:
    """Give a newcomer the first free seat: piloto, co-piloto, then the queue."""
    user = str(user_id)
    if _in_rotation(dojo, user):
        return False
    if dojo.piloto_id is None:
        dojo.piloto_id = user_id
    elif dojo.copiloto_id is None:
        dojo.copiloto_id = user_id
    else:
        dojo.queue = [*dojo.queue, user]
    return True


def _turn_length(dojo: Dojo) -> int:
    """Seconds in one turn at the keyboard."""
    return int(dojo.rotation_minutes * settings.DOJO_ROTATION_UNIT_SECONDS)


def _start_turn(dojo: Dojo, now: datetime) -> None:
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


def _credit_piloto(dojo: Dojo, now: datetime) -> None:
    if dojo.piloto_id is None or dojo.status != DojoStatus.LIVE:
        return
    Participant.objects.filter(dojo=dojo, user_id=dojo.piloto_id).update(
        seconds_as_piloto=F("seconds_as_piloto") + _turn_seconds(dojo, now),
        turns_as_piloto=F("turns_as_piloto") + 1,
    )


def _rotate(dojo: Dojo, now: datetime) -> None:
    """Randori rotation, strong style: the co-piloto takes the keyboard, the next in
    the queue becomes co-piloto, the piloto goes to the end of the queue."""
    _credit_piloto(dojo, now)
    piloto, copiloto, queue = dojo.piloto_id, dojo.copiloto_id, list(dojo.queue)
    if piloto is not None and copiloto is not None:
        dojo.piloto_id = copiloto
        if queue:
            dojo.copiloto_id = uuid.UUID(queue.pop(0))
            queue.append(str(piloto))
        else:
            dojo.copiloto_id = piloto
        dojo.queue = queue
    _start_turn(dojo, now)


_ROLE_FIELDS = ("piloto_id", "copiloto_id", "queue")
_TIMER_FIELDS = ("turn_started_at", "turn_deadline", "paused_remaining_ms")


def _roles_event(change: Change, reason: str, now: datetime, actor: Actor | None = None) -> None:
    dojo = change.dojo
    _emit(
        change,
        ROLES,
        {"reason": reason, **roles_json(dojo), "timer": timer_json(dojo, now)},
        actor=actor,
        now=now,
    )


def _require_live(dojo: Dojo) -> None:
    if dojo.status == DojoStatus.ENDED:
        raise ended()
    if dojo.status != DojoStatus.LIVE:
        raise not_live()


# ------------------------------------------------------------------ lifecycle


@transaction.atomic
def start(dojo_id: uuid.UUID | str, actor: Actor) -> Change:
    dojo = _lock(dojo_id, actor)
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
    _start_turn(dojo, now)
    _emit(change, STARTED, {"roles": roles_json(dojo), "timer": timer_json(dojo, now)}, actor=actor)
    _save(change, "status", "started_at", *_TIMER_FIELDS)
    return change


@transaction.atomic
def end(dojo_id: uuid.UUID | str, actor: Actor) -> Change:
    dojo = _lock(dojo_id, actor)
    if not can_run(actor, dojo):
        raise not_allowed("not_facilitator", _("Only the facilitator or an admin can do this."))
    change = Change(dojo)
    if dojo.status == DojoStatus.ENDED:
        return change
    now = timezone.now()
    if dojo.status == DojoStatus.LIVE:
        _credit_piloto(dojo, now)
    dojo.status = DojoStatus.ENDED
    dojo.ended_at = now
    dojo.started_at = dojo.started_at or now
    dojo.turn_deadline = None
    dojo.paused_remaining_ms = None
    _emit(
        change,
        ENDED,
        {"revision": dojo.revision, "document_length": len(dojo.document)},
        actor=actor,
        now=now,
    )
    _save(change, "status", "ended_at", "started_at", *_TIMER_FIELDS)
    change.snapshot = True
    _snapshot(dojo, now)
    return change


@transaction.atomic
def join(dojo_id: uuid.UUID | str, actor: Actor) -> tuple[Dojo, Participant]:
    """Become a participant (REST ``join``): idempotent; no event until they connect."""
    dojo = _lock(dojo_id, actor)
    if dojo.status == DojoStatus.ENDED:
        raise ended()
    return dojo, _participant(dojo, actor)


# ------------------------------------------------------------------ presence


def _alive_since(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.DOJO_PRESENCE_TTL_SECONDS)


def _alive(since: datetime) -> Q:
    """Connections opened since ``since``, or whose instance's heartbeat is that recent."""
    beating = Instance.objects.filter(seen_at__gte=since).values("name")
    return Q(seen_at__gte=since) | Q(instance__in=beating)


def connected_users(dojo: Dojo, now: datetime | None = None) -> list[str]:
    since = _alive_since(now or timezone.now())
    users = Connection.objects.filter(_alive(since), dojo=dojo).values_list("user_id", flat=True)
    return sorted({str(u) for u in users})


def _sweep(change: Change, now: datetime) -> list[str]:
    """Drop connections no instance refreshed in time; announce who thereby left."""
    dojo = change.dojo
    since = _alive_since(now)
    stale = list(Connection.objects.filter(dojo=dojo).exclude(_alive(since)))
    if not stale:
        return []
    Connection.objects.filter(pk__in=[c.pk for c in stale]).delete()
    connected = connected_users(dojo, now)
    gone: list[str] = []
    for connection in stale:
        user = str(connection.user_id)
        if user in connected or user in gone:
            continue
        gone.append(user)
        _leave(change, Actor(id=connection.user_id, role="member", name=connection.name), now)
    return gone


def _leave(change: Change, user: Actor, now: datetime) -> None:
    dojo = change.dojo
    _emit(
        change,
        PRESENCE,
        {"left": str(user.id), "connected": connected_users(dojo, now)},
        actor=user,
        now=now,
    )
    if str(user.id) in dojo.queue:
        dojo.queue = [u for u in dojo.queue if u != str(user.id)]
        _roles_event(change, "left", now, user)


@transaction.atomic
def connect(dojo_id: uuid.UUID | str, actor: Actor, channel_name: str, instance: str) -> Change:
    """A member's connection opened.

    The first live connection of a person makes them a participant, seats them
    in the rotation and announces them; a second device does not.
    """
    dojo = _lock(dojo_id, actor)
    change = Change(dojo)
    now = timezone.now()
    _sweep(change, now)
    first = not Connection.objects.filter(
        _alive(_alive_since(now)), dojo=dojo, user_id=actor.id
    ).exists()
    Connection.objects.update_or_create(
        channel_name=channel_name,
        defaults={
            "dojo": dojo,
            "user_id": actor.id,
            "name": actor.name,
            "instance": instance,
            "seen_at": now,
        },
    )
    if first:
        _participant(dojo, actor)
        _emit(
            change,
            PRESENCE,
            {"joined": str(actor.id), "connected": connected_users(dojo, now)},
            actor=actor,
            now=now,
        )
        if dojo.status != DojoStatus.ENDED and _seat(dojo, actor.id):
            if dojo.turn_deadline is None and dojo.paused_remaining_ms is None:
                _start_turn(dojo, now)
            _roles_event(change, "joined", now, actor)
    _save(change, *_ROLE_FIELDS, *_TIMER_FIELDS)
    return change


@transaction.atomic
def disconnect(dojo_id: uuid.UUID | str, user: Actor, channel_name: str) -> Change:
    """A connection closed. If it was the person's last one: announce it and take them
    out of the queue. The piloto and co-piloto keep their seats (they usually come
    back within seconds); the facilitator can reassign them or pass the keyboard.
    """
    dojo = _lock(dojo_id, None)
    change = Change(dojo)
    now = timezone.now()
    deleted, _rows = Connection.objects.filter(channel_name=channel_name).delete()
    still_here = Connection.objects.filter(
        _alive(_alive_since(now)), dojo=dojo, user_id=user.id
    ).exists()
    if deleted and not still_here:
        _leave(change, user, now)
    _sweep(change, now)
    if change.events:
        _save(change, *_ROLE_FIELDS)
    return change


def stale_dojos(dojo_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Which of these dojos have connections no instance keeps alive (one query)."""
    since = _alive_since(timezone.now())
    stale = (
        Connection.objects.filter(dojo_id__in=dojo_ids)
        .exclude(_alive(since))
        .values_list("dojo_id", flat=True)
        .distinct()
    )
    return list(stale)


def sweep(dojo_id: uuid.UUID | str) -> Change | None:
    """Announce the departure of people whose instance stopped refreshing them."""
    since = _alive_since(timezone.now())
    if not Connection.objects.filter(dojo_id=dojo_id).exclude(_alive(since)).exists():
        return None
    with transaction.atomic():
        dojo = _lock(dojo_id, None)
        change = Change(dojo)
        if _sweep(change, timezone.now()):
            _save(change, *_ROLE_FIELDS)
        return change


# An instance row nobody refreshed for this long belongs to a process that is
# gone: its connections have long been swept (or are judged by their own age).
_FORGET_INSTANCES_AFTER = timedelta(hours=1)


def refresh(instance: str) -> None:
    """This instance's heartbeat in this organization: one row, whatever its connections.

    Also forgets instances that stopped beating long ago.
    """
    now = timezone.now()
    Instance.objects.bulk_create(
        [Instance(name=instance, seen_at=now)],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["seen_at"],
    )
    Instance.objects.filter(seen_at__lt=now - _FORGET_INSTANCES_AFTER).delete()


# ------------------------------------------------------------------ timer


@transaction.atomic
def rotate_if_due(dojo_id: uuid.UUID | str, deadline: datetime) -> Change | None:
    """Rotate once for ``deadline``: a no-op if it was already handled or changed.

    Every instance with members of this dojo calls this when its local timer
    fires; the row lock and the deadline comparison make exactly one succeed.
    """
    dojo = _lock(dojo_id, None)
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
    _rotate(dojo, now)
    _roles_event(change, "rotation", now)
    _save(change, *_ROLE_FIELDS, *_TIMER_FIELDS)
    return change


# ------------------------------------------------------------------ commands


def _may_edit(dojo: Dojo, actor: Actor) -> bool:
    if actor.id == dojo.piloto_id:
        return True
    return dojo.copiloto_may_edit and actor.id == dojo.copiloto_id


def _snapshot(dojo: Dojo, now: datetime) -> None:
    Snapshot.objects.get_or_create(
        dojo=dojo,
        revision=dojo.revision,
        defaults={"seq": dojo.last_seq, "document": dojo.document, "created_at": now},
    )


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


def _operation(change: Change, actor: Actor, frame: dict[str, Any]) -> None:
    dojo = change.dojo
    _require_live(dojo)
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
    _emit(
        change,
        OP,
        {"revision": accepted.revision, "op": accepted.operation.to_json(), "id": client_id},
        actor=actor,
        revision=accepted.revision,
        now=now,
    )
    _save(change, "document", "revision")
    if dojo.revision % settings.DOJO_SNAPSHOT_EVERY == 0:
        _snapshot(dojo, now)


def _chat(change: Change, actor: Actor, frame: dict[str, Any]) -> None:
    if change.dojo.status == DojoStatus.ENDED:
        raise ended()
    text = _string(frame, "text", max_length=settings.DOJO_MAX_CHAT_CHARS).strip()
    if not text:
        raise DojoError("empty_message", _("The message is empty."), status=400)
    _emit(change, CHAT, {"text": text}, actor=actor)
    _save(change)


def _test_status(change: Change, actor: Actor, frame: dict[str, Any]) -> None:
    dojo = change.dojo
    _require_live(dojo)
    if actor.id != dojo.piloto_id:
        raise not_allowed("not_piloto", _("Only the piloto announces the test status."))
    status = frame.get("status")
    if status not in (TestStatus.RED, TestStatus.GREEN):
        raise DojoError(
            "invalid_test_status", _("The test status is “red” or “green”."), status=400
        )
    dojo.test_status = status
    _emit(change, TEST_STATUS, {"status": status}, actor=actor)
    _save(change, "test_status")


def _pass(change: Change, actor: Actor, frame: dict[str, Any]) -> None:
    dojo = change.dojo
    _require_live(dojo)
    if actor.id != dojo.piloto_id and not can_run(actor, dojo):
        raise not_allowed("not_piloto", _("Only the piloto or the facilitator can pass."))
    if dojo.copiloto_id is None:
        raise DojoError("nobody_to_pass_to", _("There is no co-piloto to pass the keyboard to."))
    now = timezone.now()
    _rotate(dojo, now)
    _roles_event(change, "pass", now, actor)
    _save(change, *_ROLE_FIELDS, *_TIMER_FIELDS)


def _pause(change: Change, actor: Actor, frame: dict[str, Any]) -> None:
    dojo = change.dojo
    _require_live(dojo)
    if actor.id not in {dojo.piloto_id, dojo.copiloto_id} and not can_run(actor, dojo):
        raise not_allowed("not_at_keyboard", _("Only the pair at the keyboard can pause."))
    if dojo.paused_remaining_ms is not None:
        return
    if dojo.turn_deadline is None:
        raise DojoError("timer_not_running", _("The timer is not running."))
    now = timezone.now()
    dojo.paused_remaining_ms = max(0, int((dojo.turn_deadline - now).total_seconds() * 1000))
    dojo.turn_deadline = None
    _emit(change, TIMER, timer_json(dojo, now), actor=actor, now=now)
    _save(change, *_TIMER_FIELDS)


def _resume(change: Change, actor: Actor, frame: dict[str, Any]) -> None:
    dojo = change.dojo
    _require_live(dojo)
    if actor.id not in {dojo.piloto_id, dojo.copiloto_id} and not can_run(actor, dojo):
        raise not_allowed("not_at_keyboard", _("Only the pair at the keyboard can resume."))
    if dojo.paused_remaining_ms is None:
        return
    now = timezone.now()
    dojo.turn_deadline = now + timedelta(milliseconds=dojo.paused_remaining_ms)
    dojo.paused_remaining_ms = None
    _emit(change, TIMER, timer_json(dojo, now), actor=actor, now=now)
    _save(change, *_TIMER_FIELDS)


def _queue(change: Change, actor: Actor, frame: dict[str, Any]) -> None:
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
        if not _seat(dojo, actor.id):
            return
        if dojo.turn_deadline is None and dojo.paused_remaining_ms is None:
            _start_turn(dojo, now)
        _roles_event(change, "queue_joined", now, actor)
    else:
        if user not in dojo.queue:
            return
        dojo.queue = [u for u in dojo.queue if u != user]
        _roles_event(change, "queue_left", now, actor)
    _save(change, *_ROLE_FIELDS, *_TIMER_FIELDS)


def _assign(change: Change, actor: Actor, frame: dict[str, Any]) -> None:
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
        _credit_piloto(dojo, now)
        dojo.piloto_id = piloto
        _start_turn(dojo, now)
    dojo.copiloto_id = copiloto
    dojo.queue = ordered
    _roles_event(change, "assigned", now, actor)
    _save(change, *_ROLE_FIELDS, *_TIMER_FIELDS)


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


def handle(dojo_id: uuid.UUID | str, actor: Actor, frame: dict[str, Any]) -> Change:
    """Apply one client command atomically; ``DojoError`` leaves everything as it was."""
    command = COMMANDS[frame["type"]]
    try:
        with transaction.atomic():
            dojo = _lock(dojo_id, actor)
            change = Change(dojo)
            command(change, actor, frame)
            return change
    except IntegrityError:
        # Two writers can only collide on the unique (dojo, seq) if the lock was bypassed.
        raise DojoError("conflict", _("Please try again."), status=409) from None


# ------------------------------------------------------------------ reads


def events_after(dojo: Dojo, seq: int, *, upto: int | None = None, limit: int = 500) -> list[Event]:
    rows = DojoEvent.objects.filter(dojo=dojo, seq__gt=seq)
    if upto is not None:
        rows = rows.filter(seq__lte=upto)
    return [event_json(row) for row in rows.order_by("seq")[:limit]]


def cursor_event(dojo: Dojo, actor: Actor, frame: dict[str, Any]) -> Event:
    """An ephemeral cursor/selection, moved to the current revision. Not stored."""
    revision = frame.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool):
        raise DojoError("invalid_frame", _("“revision” must be an integer."), status=400)
    try:
        selection = Selection.from_json(frame.get("selection"))
        if revision < dojo.revision:
            if dojo.revision - revision > 100:
                raise DojoError("revision_too_old", _("The cursor is too far behind."), status=400)
            rows = DojoEvent.objects.filter(dojo=dojo, revision__gt=revision).order_by("revision")
            for row in rows:
                selection = selection.transform(TextOperation.from_json(row.payload["op"]))
        elif revision > dojo.revision:
            raise DojoError("revision_out_of_range", _("Unknown revision."), status=400)
    except OTError as exc:
        raise DojoError(str(exc.code), exc.message, status=400) from None
    return {
        "type": "cursor",
        "after_seq": dojo.last_seq,
        "actor": actor.as_json(),
        "revision": dojo.revision,
        "selection": selection.to_json(),
    }


def visible_dojo(dojo_id: uuid.UUID | str, actor: Actor) -> Dojo:
    try:
        dojo = Dojo.objects.get(id=dojo_id)
    except (Dojo.DoesNotExist, ValueError):
        raise dojo_not_found() from None
    if not can_see(actor, dojo):
        raise dojo_not_found()
    return dojo
