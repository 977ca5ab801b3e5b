"""Presence across instances, against the real database: the heartbeat is one row
per instance and organization; connections live while they are young or their
instance beats; the others are swept and their departure announced; a heartbeat
in one organization keeps nothing alive in another."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from dojos import presence
from dojos.models import Connection, Dojo, Instance
from dojos.wire import PRESENCE
from pocdex_shared.callers import Caller

from .conftest import Member

pytestmark = pytest.mark.django_db(transaction=True)

CreateDojo = Callable[..., dict[str, Any]]


def actor(member: Member) -> Caller:
    return Caller.acting_for(
        person_id=member.id, tenant_id=member.tenant.id, role=member.role, name=member.name
    )


def open_connection(member: Member, dojo_id: str, instance: str) -> str:
    channel = f"{instance}!{uuid.uuid4().hex}"
    with member.data():
        presence.connect(dojo_id, actor(member), channel, instance)
    return channel


def age(member: Member, *channels: str) -> None:
    """Make connections older than the presence window (opened long ago)."""
    long_ago = timezone.now() - timedelta(seconds=settings.DOJO_PRESENCE_TTL_SECONDS * 10)
    with member.data():
        assert Connection.objects.filter(channel_name__in=channels).update(seen_at=long_ago) == len(
            channels
        )


def test_the_heartbeat_writes_one_row_however_many_connections(
    ana: Member, bruno: Member, carla: Member, create_dojo: CreateDojo
) -> None:
    dojo_id = create_dojo(ana)["id"]
    channels = [open_connection(m, dojo_id, "alpha") for m in (ana, bruno, carla)]
    with ana.data():
        before = dict(Connection.objects.values_list("channel_name", "seen_at"))
        presence.refresh("alpha")
        presence.refresh("alpha")
        assert list(Instance.objects.values_list("name", flat=True)) == ["alpha"]
        # The connections' rows are not written by the heartbeat.
        assert dict(Connection.objects.values_list("channel_name", "seen_at")) == before
        assert sorted(before) == sorted(channels)


def test_old_connections_of_a_beating_instance_stay(
    ana: Member, bruno: Member, create_dojo: CreateDojo
) -> None:
    dojo_id = create_dojo(ana)["id"]
    channels = [open_connection(m, dojo_id, "alpha") for m in (ana, bruno)]
    age(ana, *channels)
    with ana.data():
        presence.refresh("alpha")
        dojo = Dojo.objects.get(id=dojo_id)
        assert presence.connected_users(dojo) == sorted([str(ana.id), str(bruno.id)])
        assert presence.stale_dojos([uuid.UUID(dojo_id)]) == []
        assert presence.sweep(dojo_id) is None
        assert Connection.objects.count() == 2


def test_connections_of_a_silent_instance_are_swept_and_their_departure_announced(
    ana: Member, bruno: Member, carla: Member, create_dojo: CreateDojo
) -> None:
    dojo_id = create_dojo(ana)["id"]
    quiet_id = create_dojo(ana)["id"]
    on_alpha = open_connection(ana, dojo_id, "alpha")
    on_beta = open_connection(bruno, dojo_id, "beta")
    young_on_beta = open_connection(carla, dojo_id, "beta")
    open_connection(carla, quiet_id, "alpha")
    age(ana, on_alpha, on_beta)
    with ana.data():
        presence.refresh("alpha")  # beta died: it no longer beats
        ids = [uuid.UUID(dojo_id), uuid.UUID(quiet_id)]
        assert presence.stale_dojos(ids) == [uuid.UUID(dojo_id)]
        change = presence.sweep(dojo_id)
        assert change is not None
        left = [e["left"] for e in change.events if e["type"] == PRESENCE]
        assert left == [str(bruno.id)]
        dojo = Dojo.objects.get(id=dojo_id)
        # Carla's connection on beta is younger than the window: still counted.
        assert presence.connected_users(dojo) == sorted([str(ana.id), str(carla.id)])
        assert set(Connection.objects.values_list("channel_name", flat=True)) >= {
            on_alpha,
            young_on_beta,
        }
        assert not Connection.objects.filter(channel_name=on_beta).exists()
        assert presence.stale_dojos(ids) == []


def test_a_person_on_a_beating_instance_is_not_announced_as_leaving(
    ana: Member, bruno: Member, create_dojo: CreateDojo
) -> None:
    """Bruno's old device died with beta; he is still here on alpha."""
    dojo_id = create_dojo(ana)["id"]
    dead = open_connection(bruno, dojo_id, "beta")
    alive = open_connection(bruno, dojo_id, "alpha")
    age(ana, dead, alive)
    with ana.data():
        presence.refresh("alpha")
        change = presence.sweep(dojo_id)
        assert change is not None
        assert [e for e in change.events if e["type"] == PRESENCE] == []
        assert list(Connection.objects.values_list("channel_name", flat=True)) == [alive]


def test_a_heartbeat_in_one_organization_keeps_nothing_alive_in_another(
    ana: Member, outsider: Member, create_dojo: CreateDojo
) -> None:
    ours = create_dojo(ana)["id"]
    theirs = create_dojo(outsider)["id"]
    open_connection(ana, ours, "alpha")
    their_channel = open_connection(outsider, theirs, "alpha")
    age(outsider, their_channel)
    with ana.data():
        presence.refresh("alpha")
        assert Instance.objects.count() == 1
    with outsider.data():
        # Same instance name, other organization: no row here, so nothing kept.
        assert Instance.objects.count() == 0
        assert presence.stale_dojos([uuid.UUID(theirs)]) == [uuid.UUID(theirs)]
        dojo = Dojo.objects.get(id=theirs)
        assert presence.connected_users(dojo) == []


def test_instances_silent_for_an_hour_are_forgotten(ana: Member) -> None:
    with ana.data():
        Instance.objects.create(name="gone", seen_at=timezone.now() - timedelta(hours=2))
        Instance.objects.create(name="recent", seen_at=timezone.now() - timedelta(minutes=5))
        presence.refresh("alpha")
        assert sorted(Instance.objects.values_list("name", flat=True)) == ["alpha", "recent"]
