"""What clients read: the session's state, the event log, cursors moved to the current revision."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext_lazy as _

from pocdex_shared.callers import Caller
from pocdex_shared.ot import OTError, Selection
from pocdex_shared.ot.operation import TextOperation

from .models import Dojo, DojoEvent, Participant
from .presence import connected_users
from .rules import DojoError, can_see, dojo_not_found
from .timer import timer_json
from .wire import Event, event_json, roles_json


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


def events_after(dojo: Dojo, seq: int, *, upto: int | None = None, limit: int = 500) -> list[Event]:
    rows = DojoEvent.objects.filter(dojo=dojo, seq__gt=seq)
    if upto is not None:
        rows = rows.filter(seq__lte=upto)
    return [event_json(row) for row in rows.order_by("seq")[:limit]]


def cursor_event(dojo: Dojo, actor: Caller, frame: dict[str, Any]) -> Event:
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


def visible_dojo(dojo_id: uuid.UUID | str, actor: Caller) -> Dojo:
    try:
        dojo = Dojo.objects.get(id=dojo_id)
    except (Dojo.DoesNotExist, ValueError):
        raise dojo_not_found() from None
    if not can_see(actor, dojo):
        raise dojo_not_found()
    return dojo
