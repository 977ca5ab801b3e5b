"""Who is connected, across daphne instances: connections, heartbeats and sweeps (ADR 0016)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pocdex_shared.callers import Caller
from tenants.models import Tenant

from .engine import (
    ROLE_FIELDS,
    TIMER_FIELDS,
    Change,
    emit,
    ensure_participant,
    lock_dojo,
    save,
    seat,
)
from .models import Connection, Dojo, DojoStatus, Instance
from .timer import roles_event, start_turn
from .wire import PRESENCE


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
    tenant_id = _current_tenant_id()
    gone: list[str] = []
    for connection in stale:
        user = str(connection.user_id)
        if user in connected or user in gone:
            continue
        gone.append(user)
        # The person as their connection recorded them.
        caller = Caller.acting_for(
            person_id=connection.user_id, tenant_id=tenant_id, role=None, name=connection.name
        )
        _leave(change, caller, now)
    return gone


def _current_tenant_id() -> uuid.UUID:
    """The organization whose schema is active (the sweep runs in it)."""
    schema = db_connection.schema_name  # type: ignore[attr-defined]
    return Tenant.objects.values_list("id", flat=True).get(schema_name=schema)


def _leave(change: Change, user: Caller, now: datetime) -> None:
    dojo = change.dojo
    emit(
        change,
        PRESENCE,
        {"left": str(user.id), "connected": connected_users(dojo, now)},
        actor=user,
        now=now,
    )
    if str(user.id) in dojo.queue:
        dojo.queue = [u for u in dojo.queue if u != str(user.id)]
        roles_event(change, "left", now, user)


@transaction.atomic
def connect(dojo_id: uuid.UUID | str, actor: Caller, channel_name: str, instance: str) -> Change:
    """A member's connection opened.

    The first live connection of a person makes them a participant, seats them
    in the rotation and announces them; a second device does not.
    """
    dojo = lock_dojo(dojo_id, actor)
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
        ensure_participant(dojo, actor)
        emit(
            change,
            PRESENCE,
            {"joined": str(actor.id), "connected": connected_users(dojo, now)},
            actor=actor,
            now=now,
        )
        if dojo.status != DojoStatus.ENDED and seat(dojo, actor.id):
            if dojo.turn_deadline is None and dojo.paused_remaining_ms is None:
                start_turn(dojo, now)
            roles_event(change, "joined", now, actor)
    save(change, *ROLE_FIELDS, *TIMER_FIELDS)
    return change


@transaction.atomic
def disconnect(dojo_id: uuid.UUID | str, user: Caller, channel_name: str) -> Change:
    """A connection closed. If it was the person's last one: announce it and take them
    out of the queue. The piloto and co-piloto keep their seats (they usually come
    back within seconds); the facilitator can reassign them or pass the keyboard.
    """
    dojo = lock_dojo(dojo_id, None)
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
        save(change, *ROLE_FIELDS)
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
        dojo = lock_dojo(dojo_id, None)
        change = Change(dojo)
        if _sweep(change, timezone.now()):
            save(change, *ROLE_FIELDS)
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
