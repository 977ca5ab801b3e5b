"""Reads of the REST API: which dojos a member sees, lists, participants, replay pages."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet

from pocdex_shared.callers import Caller
from pocdex_shared.plans import month_start

from .models import Dojo, DojoEvent, DojoStatus, Participant, Snapshot, Visibility
from .rules import dojo_not_found
from .wire import Event, event_json

# ``state`` of the list: which dojos, and their order (soonest first, or latest first).
STATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "upcoming": (DojoStatus.SCHEDULED, ("scheduled_at",)),
    "live": (DojoStatus.LIVE, ("-scheduled_at",)),
    "past": (DojoStatus.ENDED, ("-ended_at",)),
}


def dojos_this_month() -> int:
    """What counts against ``dojos_per_month``: dojos scheduled since the month began."""
    return Dojo.objects.filter(created_at__gte=month_start()).count()


def visible_dojos(*, actor: Caller) -> QuerySet[Dojo]:
    """Team dojos, and invite-only ones the member facilitates or is invited to (admins: all)."""
    dojos = Dojo.objects.all()
    if actor.is_admin:
        return dojos
    return dojos.filter(
        Q(visibility=Visibility.TEAM)
        | Q(facilitator_id=actor.id)
        | Q(invitees__contains=[str(actor.id)])
    )


def dojo_get(*, actor: Caller, dojo_id: uuid.UUID) -> Dojo:
    """A dojo the member sees, or ``dojo_not_found``."""
    try:
        return visible_dojos(actor=actor).get(id=dojo_id)
    except Dojo.DoesNotExist:
        raise dojo_not_found() from None


def dojo_list(*, actor: Caller, state: str) -> tuple[QuerySet[Dojo], tuple[str, ...]]:
    """The dojos of one ``STATES`` entry the member sees, and their cursor ordering."""
    status, ordering = STATES[state]
    return visible_dojos(actor=actor).filter(status=status), ordering


def participants_of(*, dojo: Dojo) -> QuerySet[Participant]:
    return Participant.objects.filter(dojo=dojo).order_by("joined_at", "id")


def replay_page(*, dojo: Dojo, after: int, limit: int) -> tuple[list[Event], bool]:
    """Up to ``limit`` events after ``after``, in order, and whether more follow."""
    rows = list(DojoEvent.objects.filter(dojo=dojo, seq__gt=after).order_by("seq")[: limit + 1])
    return [event_json(row) for row in rows[:limit]], len(rows) > limit


def snapshots_of(*, dojo: Dojo) -> QuerySet[Snapshot]:
    return Snapshot.objects.filter(dojo=dojo).order_by("revision")
