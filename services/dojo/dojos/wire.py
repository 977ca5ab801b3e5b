"""The wire form of the session: event kinds, events, roles, server frames, and the
numbers clients send in query strings.

Python's ``str.isdigit()``, ``int()`` and ``\\d`` accept digits of every
script (``"²"`` is a digit that ``int()`` refuses; ``"١٢"`` is twelve), so a
parameter is a whole number only when it is made of ASCII digits.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from .models import Dojo, DojoEvent

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


def roles_json(dojo: Dojo) -> dict[str, Any]:
    return {
        "piloto": str(dojo.piloto_id) if dojo.piloto_id else None,
        "copiloto": str(dojo.copiloto_id) if dojo.copiloto_id else None,
        "queue": list(dojo.queue),
    }


def encode(frame: dict[str, Any]) -> str:
    """The wire form of a server frame: compact JSON, UTF-8 text as is."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def whole_number(raw: str | None) -> int | None:
    """``raw`` as a non-negative integer of at most 18 ASCII digits, else None."""
    if raw is None or not _WHOLE_NUMBER.fullmatch(raw):
        return None
    return int(raw)
