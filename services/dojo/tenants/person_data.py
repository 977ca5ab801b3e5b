"""dojo's part of a person's own data (ADR 0047): their dojos, participation and chat.

Export: the dojos they facilitated, their participation rows and every chat
message they sent. Erasure: the dojos, events and messages stay with the
organization; the name they carried becomes the deleted person's, and their
presence rows go.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core import serializers

from pocdex_shared.person_data import register_person_data


def _rows(queryset: Any) -> list[dict[str, Any]]:
    return list(json.loads(serializers.serialize("json", queryset)))


def documents(tenant_id: uuid.UUID, person_id: uuid.UUID) -> dict[str, Any]:
    from dojos.models import Dojo, DojoEvent, Participant
    from dojos.wire import CHAT

    facilitated = Dojo.objects.filter(facilitator_id=person_id).defer("document")
    return {
        "dojos_facilitated": _rows(facilitated),
        "participation": _rows(Participant.objects.filter(user_id=person_id)),
        "chat_messages": [
            {
                "dojo": str(event.dojo_id),
                "seq": event.seq,
                "text": event.payload.get("text", ""),
                "sent_at": event.created_at.isoformat(),
            }
            for event in DojoEvent.objects.filter(actor_id=person_id, kind=CHAT).order_by(
                "created_at", "seq"
            )
        ],
    }


def anonymize(tenant_id: uuid.UUID, person_id: uuid.UUID, name: str) -> None:
    from dojos.models import Connection, Dojo, DojoEvent, Participant

    Dojo.objects.filter(facilitator_id=person_id).update(facilitator_name=name)
    Participant.objects.filter(user_id=person_id).update(name=name)
    Connection.objects.filter(user_id=person_id).delete()
    # Each event names its actor as they were then ({"actor": {"id", "name", ...}}).
    changed = []
    for event in DojoEvent.objects.filter(actor_id=person_id).only("id", "payload").iterator():
        actor = event.payload.get("actor") if isinstance(event.payload, dict) else None
        if isinstance(actor, dict) and actor.get("name") != name:
            event.payload = {**event.payload, "actor": {**actor, "name": name}}
            changed.append(event)
        if len(changed) >= 500:
            DojoEvent.objects.bulk_update(changed, ["payload"])
            changed = []
    if changed:
        DojoEvent.objects.bulk_update(changed, ["payload"])


def register() -> None:
    register_person_data(documents=documents, anonymize=anonymize)
