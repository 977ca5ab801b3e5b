"""The organization's people directory: display names for the ids POCs store.

Accounts owns people. pocs learns a member's display name from the ``name``
claim of the access token whenever they call pocs (``remember``), and marks
them removed when accounts publishes ``member.removed`` (``mark_removed``).
See docs/adr/0012.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection as _connection
from django.db import transaction
from django.utils import timezone

from pocdex_shared.callers import Caller
from pocdex_shared.memo import TtlCache
from pocdex_shared.tenancy.scope import Require, TenantUnavailable, tenant_scope

from .models import Person

# django-tenants' wrapper: schema_name and tenant.
connection: Any = _connection

# (schema, person id, name) written by this process recently: saves the upsert
# on every request of an active member.
_remembered: TtlCache[tuple[str, uuid.UUID, str], bool] = TtlCache(max_entries=50_000)

_UPSERT = """
INSERT INTO registry_person (id, name, seen_at, removed_at) VALUES (%s, %s, %s, NULL)
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, seen_at = EXCLUDED.seen_at, removed_at = NULL
WHERE registry_person.name IS DISTINCT FROM EXCLUDED.name
   OR registry_person.removed_at IS NOT NULL
   OR registry_person.seen_at < EXCLUDED.seen_at - interval '1 day'
"""


def remember(actor: Caller) -> None:
    """Record the actor's current display name in their organization's directory.

    Runs in the actor's schema (the request's). Cheap when nothing changed: one
    upsert per member, name and process every ``PEOPLE_REMEMBER_SECONDS``.
    """
    if not actor.name:
        return
    key = (str(actor.tenant_id), actor.id, actor.name)
    if _remembered.get(key):
        return
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [str(actor.id), actor.name, timezone.now()])
    _remembered.put(key, True, settings.PEOPLE_REMEMBER_SECONDS)


def names_for(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Display names of ``ids`` known in the current schema (unknown ids are absent)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(Person.objects.filter(id__in=wanted).values_list("id", "name"))


def mark_removed(*, tenant_id: uuid.UUID | str, user_id: uuid.UUID | str, at: datetime) -> bool:
    """A member left the organization: keep their name, note when. False if unknown here."""
    try:
        # Upkeep: a suspended organization's directory is kept right too (ADR 0025).
        with tenant_scope(tenant_id=tenant_id, require=Require.LIVE), transaction.atomic():
            updated = Person.objects.filter(id=user_id, removed_at__isnull=True).update(
                removed_at=at
            )
    except TenantUnavailable:
        return False
    _remembered.forget()
    return bool(updated)


def forget_cache() -> None:
    _remembered.forget()
