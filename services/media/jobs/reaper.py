"""Which organizations have jobs whose worker died: one round trip over every schema.

The reaper (``tasks.reap_stale_jobs_task``) runs every few seconds; asking
each organization's schema in turn would cost a round trip per organization.
One ``UNION ALL`` per batch of schemas answers with the organizations that
have a running job whose heartbeat is older than ``MEDIA_STALE_SECONDS``, or a
retry that much overdue; ``services.reap_stale_jobs`` then handles each one in
its own schema, under row locks. See docs/adr/0039-dead-workers-and-the-reaper.md.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import connection
from django.utils import timezone

from pocdex_shared.tenancy.scope import Require
from tenants.models import Tenant

from .models import JobStatus

BATCH = 200


def tenants_with_stale_jobs() -> list[uuid.UUID]:
    cutoff = timezone.now() - dt.timedelta(seconds=settings.MEDIA_STALE_SECONDS)
    tenants = dict(
        Tenant.objects.filter(status__in=Require.LIVE.value).values_list("schema_name", "id")
    )
    if not tenants:
        return []
    with connection.cursor() as cursor:
        # Only schemas that exist (an organization being provisioned may have none yet).
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [list(tenants)])
        schemas = sorted(row[0] for row in cursor.fetchall())
        found: list[uuid.UUID] = []
        for start in range(0, len(schemas), BATCH):
            parts: list[str] = []
            params: list[str | dt.datetime] = []
            for schema in schemas[start : start + BATCH]:
                table = f"{connection.ops.quote_name(schema)}.jobs_job"
                parts.append(
                    f"SELECT %s::uuid FROM {table} WHERE "  # noqa: S608
                    "(status = %s AND heartbeat_at < %s) "
                    "OR (status = %s AND heartbeat_at IS NULL AND started_at < %s) "
                    "OR (status = %s AND heartbeat_at < %s)"
                )
                params += [
                    str(tenants[schema]),
                    JobStatus.RUNNING.value,
                    cutoff,
                    JobStatus.RUNNING.value,
                    cutoff,
                    JobStatus.QUEUED.value,
                    cutoff,
                ]
            union = " UNION ALL ".join(f"({part} LIMIT 1)" for part in parts)
            # Schema names come from the tenants table and are quoted above.
            cursor.execute(f"SELECT DISTINCT t FROM ({union}) AS stale(t)", params)  # noqa: S608
            found += [
                row[0] if isinstance(row[0], uuid.UUID) else uuid.UUID(str(row[0]))
                for row in cursor.fetchall()
            ]
    return found
