"""dojos.statements against the real database: the same rows and values as the ORM,
and never a row of another organization."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from dojos import statements
from dojos.models import Dojo, DojoEvent

from .conftest import Member

pytestmark = pytest.mark.django_db(transaction=True)

CreateDojo = Callable[..., dict[str, Any]]


def test_lock_reads_the_row_as_the_orm_does(ana: Member, create_dojo: CreateDojo) -> None:
    dojo_id = create_dojo(ana, visibility="invited", invitees=[str(uuid.uuid4())])["id"]
    with ana.data(), transaction.atomic():
        Dojo.objects.filter(id=dojo_id).update(queue=["x", "y"], document="olá\n")
        locked = statements.lock(Dojo, uuid.UUID(dojo_id))
        expected = Dojo.objects.get(id=dojo_id)
        assert locked is not None
        for field in Dojo._meta.concrete_fields:
            assert getattr(locked, field.attname) == getattr(expected, field.attname), field.name
        assert locked.queue == ["x", "y"] and isinstance(locked.invitees, list)
        assert statements.lock(Dojo, uuid.uuid4()) is None


def test_insert_and_update_store_what_the_orm_reads_back(
    ana: Member, create_dojo: CreateDojo
) -> None:
    dojo_id = create_dojo(ana)["id"]
    with ana.data(), transaction.atomic():
        dojo = statements.lock(Dojo, uuid.UUID(dojo_id))
        assert dojo is not None
        before = dojo.updated_at
        event = DojoEvent(
            dojo=dojo,
            seq=dojo.last_seq + 1,
            kind="chat",
            payload={"text": "ação", "n": [1, 2]},
            created_at=timezone.now(),
        )
        statements.insert(event)
        assert event.pk is not None
        dojo.last_seq += 1
        dojo.document = "print(1)\n"
        dojo.title = "not saved"
        statements.update(dojo, ["last_seq", "updated_at", "document", "last_seq"])
        stored = DojoEvent.objects.get(pk=event.pk)
        assert (stored.seq, stored.kind, stored.payload) == (event.seq, "chat", event.payload)
        row = Dojo.objects.get(id=dojo_id)
        assert row.last_seq == event.seq and row.document == "print(1)\n"
        assert row.updated_at > before  # auto_now, as save() would
        assert row.title != "not saved"  # only the named fields are written


def test_statements_only_see_the_current_organization(
    ana: Member, outsider: Member, create_dojo: CreateDojo
) -> None:
    theirs = create_dojo(outsider)["id"]
    with ana.data(), transaction.atomic():
        assert statements.lock(Dojo, uuid.UUID(theirs)) is None
    with outsider.data():
        before = Dojo.objects.get(id=theirs)
    with ana.data(), transaction.atomic():
        statements.update(before, ["document"])  # no row of that id in ana's schema
    with outsider.data():
        assert Dojo.objects.get(id=theirs).updated_at == before.updated_at
