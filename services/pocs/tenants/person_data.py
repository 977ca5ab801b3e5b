"""pocs' part of a person's own data (ADR 0047): what they authored, and its anonymization.

Export: the POCs they wrote or contributed to, the attachments they uploaded
(with the files), their directory entry and the learning notes they wrote.
Erasure: the POCs keep their content; the author's name becomes the deleted
person's, they leave the contributors, and the search documents follow.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core import serializers
from django.db import connection, models, transaction
from django.db.models import F, Func, Q, Value

from pocdex_shared.person_data import register_person_data


def _rows(queryset: Any) -> list[dict[str, Any]]:
    return list(json.loads(serializers.serialize("json", queryset)))


def documents(tenant_id: uuid.UUID, person_id: uuid.UUID) -> dict[str, Any]:
    from registry.models import Attachment, LearningNote, Person, Poc

    return {
        "pocs": _rows(
            Poc.objects.filter(Q(author_id=person_id) | Q(contributors__contains=[person_id]))
            .order_by("created_at")
            .prefetch_related("tags")
        ),
        "attachments": _rows(Attachment.objects.filter(uploaded_by=person_id)),
        "learning_notes": _rows(LearningNote.objects.filter(author_id=person_id)),
        "person": _rows(Person.objects.filter(id=person_id)),
    }


def files(tenant_id: uuid.UUID, person_id: uuid.UUID) -> list[str]:
    from registry.models import Attachment, AttachmentState

    return list(
        Attachment.objects.filter(uploaded_by=person_id, state=AttachmentState.READY)
        .order_by("created_at")
        .values_list("key", flat=True)
    )


def anonymize(tenant_id: uuid.UUID, person_id: uuid.UUID, name: str) -> None:
    from registry.models import LearningNote, Person, Poc
    from search.sync import enqueue, record_pending

    touched = set(
        Poc.objects.filter(
            Q(author_id=person_id) | Q(contributors__contains=[person_id])
        ).values_list("id", flat=True)
    )
    Poc.objects.filter(author_id=person_id).update(author_name=name)
    Poc.objects.filter(contributors__contains=[person_id]).update(
        contributors=Func(
            F("contributors"),
            Value(person_id, output_field=models.UUIDField()),
            function="array_remove",
        )
    )
    Person.objects.filter(id=person_id).update(name=name)
    LearningNote.objects.filter(author_id=person_id).update(author_id=None)
    schema = connection.schema_name  # type: ignore[attr-defined]
    for poc_id in touched:
        # The search documents carry the author's name: re-index them.
        record_pending(tenant_id=tenant_id, schema_name=schema, poc_id=poc_id)
    ids = sorted(touched)

    def reindex() -> None:
        for poc_id in ids:
            enqueue(poc_id, tenant_id)

    transaction.on_commit(reindex)


def register() -> None:
    register_person_data(documents=documents, files=files, anonymize=anonymize)
