"""Handing a job to its renderer: the render tasks by name, on their own queues.

``services`` decides that a job must run and ``tasks`` runs it (calling back
into ``services``); sending by name keeps ``services`` from importing the
tasks, so the two modules depend one way only.
"""

from __future__ import annotations

import uuid

from django.db import transaction

from pocdex_shared.queues import queue

from .models import Job, Kind

RENDER_REPORT_TASK = "media.render_report"
RENDER_VIDEO_TASK = "media.render_video"
# The beat's sweep for jobs whose worker died (media.default, with the events worker).
REAP_TASK = "media.reap_stale_jobs"
# Reports and videos on their own queues, consumed by their own workers (Procfile).
ROUTES = {
    RENDER_REPORT_TASK: {"queue": queue("media", "reports")},
    RENDER_VIDEO_TASK: {"queue": queue("media", "videos")},
}


def enqueue_render(job: Job, tenant_id: uuid.UUID | str) -> None:
    """Send the job's render task once the current transaction commits."""
    from config.celery import app

    name = RENDER_REPORT_TASK if job.kind == Kind.REPORT else RENDER_VIDEO_TASK
    args = [str(tenant_id), str(job.id)]
    transaction.on_commit(lambda: app.send_task(name, args=args, **ROUTES[name]))
