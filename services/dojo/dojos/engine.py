"""The core of the dojo session's state machine: one locked, sequenced transaction per change.

Each change runs in the organization's schema (the caller activates it), locks
the dojo row (``SELECT … FOR UPDATE``, ``lock_dojo``), checks the rules,
changes the state, appends events with the next sequence numbers (``emit``)
and returns them in their wire form. The caller broadcasts them after commit.
Because every instance goes through the same row lock, two daphne instances
can never hand out the same sequence number, apply two operations at the same
revision, or rotate the roles twice for one deadline. The client commands of
a live dojo take it from one instance only, the dojo's owner, a batch at a
time (``owner``, ADR 0042).

The changes themselves live by concern: ``commands`` (start, end, join and the
client frames), ``timer`` (turns and rotation), ``presence`` (connections);
``reads`` builds what clients read, ``wire`` the wire form.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pocdex_shared.callers import Caller

from . import statements
from .models import Dojo, DojoEvent, DojoStatus, Participant, Snapshot
from .rules import DojoError, can_see, ended, not_live
from .wire import Event, event_json


@dataclass
class Change:
    """What one locked transaction produced."""

    dojo: Dojo
    events: list[Event] = field(default_factory=list)
    snapshot: bool = False
    # An operation the sender had already sent (same client id): its original event.
    duplicate_of: Event | None = None
    # A batch of the dojo's owner (dojos.owner) writes the row once, after its
    # last command: ``save`` then only collects the fields to write.
    deferred: set[str] | None = None
    # The owner's id of the command being applied (``DojoEvent.request``).
    request: str | None = None
    # A batch of the owner also inserts its events once, with the row's write
    # (``statements.insert_many_and_update``); ``flush`` writes them earlier,
    # before a command reads the dojo's log.
    pending: list[DojoEvent] | None = None
    # The owner's compare-and-set batches (``owner.apply_round``) write nothing
    # before their one statement: a command that must read the dojo's log while
    # events are held back ends the pass instead (``WriteFirstError``), and snapshots
    # are written with the statement.
    write_first: bool = False
    snapshots: list[Snapshot] | None = None
    # False on the event loop (``owner.apply_on_loop``): a command that would read
    # the log ends the pass there too, and goes on on a worker thread.
    reads: bool = True


class WriteFirstError(Exception):
    """The command reads the dojo's log: what the pass holds back must be written first.

    On the event loop (``Change.reads`` false) it also means: read it on a worker thread.
    """


def lock_dojo(dojo_id: uuid.UUID | str, actor: Caller | None) -> Dojo:
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


def emit(
    change: Change,
    kind: str,
    payload: dict[str, Any],
    *,
    actor: Caller | None = None,
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
        request=change.request or "",
    )
    if change.pending is not None:
        change.pending.append(event)
    else:
        statements.insert(event)
    change.events.append(event_json(event))


def flush(change: Change) -> None:
    """Insert the events a batch has held back, so that the log can be read."""
    if change.write_first and (change.pending or not change.reads):
        raise WriteFirstError
    if change.pending:
        statements.insert_many(change.pending)
        change.pending.clear()


def save(change: Change, *fields: str) -> None:
    names = ["last_seq", "updated_at", *fields]
    if change.deferred is not None:
        change.deferred.update(names)
        return
    statements.update(change.dojo, names)


def ensure_participant(dojo: Dojo, actor: Caller) -> Participant:
    participant, created = Participant.objects.get_or_create(
        dojo=dojo, user_id=actor.id, defaults={"name": actor.name}
    )
    if not created and actor.name and participant.name != actor.name:
        participant.name = actor.name
        participant.save(update_fields=["name"])
    return participant


def _in_rotation(dojo: Dojo, user: str) -> bool:
    return user in {str(dojo.piloto_id), str(dojo.copiloto_id)} or user in dojo.queue


def seat(dojo: Dojo, user_id: uuid.UUID) -> bool:
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


ROLE_FIELDS = ("piloto_id", "copiloto_id", "queue")

TIMER_FIELDS = ("turn_started_at", "turn_deadline", "paused_remaining_ms")


def require_live(dojo: Dojo) -> None:
    if dojo.status == DojoStatus.ENDED:
        raise ended()
    if dojo.status != DojoStatus.LIVE:
        raise not_live()


def take_snapshot(dojo: Dojo, now: datetime, change: Change | None = None) -> None:
    if change is not None and change.snapshots is not None:
        change.snapshots.append(
            Snapshot(
                dojo=dojo,
                revision=dojo.revision,
                seq=dojo.last_seq,
                document=dojo.document,
                created_at=now,
            )
        )
        return
    Snapshot.objects.get_or_create(
        dojo=dojo,
        revision=dojo.revision,
        defaults={"seq": dojo.last_seq, "document": dojo.document, "created_at": now},
    )
