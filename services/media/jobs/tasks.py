"""Celery tasks: rendering on media.reports and media.videos, and the monthly reports.

Reliability (docs/adr/0014-media-jobs-and-rendering.md): ``acks_late`` and
``reject_on_worker_lost`` (a message is acknowledged only after the task
returns, and goes back to the queue if the worker dies), prefetch 1 (set for
the whole app), soft and hard time limits below the broker's visibility
timeout, retries with exponential backoff when a source is unavailable, and
``services.job_run`` idempotent on deterministic keys.

Every task enters its organization through ``tenant_scope`` (ADR 0025): a
render or a scheduled report is new work and needs an active organization; a
render queued before a suspension ends failed with ``tenant_suspended``.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from pocdex_shared.tenancy.models import AbstractTenant, TenantStatus
from pocdex_shared.tenancy.scope import (
    Require,
    TenantSuspendedError,
    TenantUnavailable,
    tenant_scope,
)
from tenants.models import Tenant

from . import services
from .dispatch import RENDER_REPORT_TASK, RENDER_VIDEO_TASK
from .models import Kind
from .sources import SourceUnavailableError

logger = logging.getLogger(__name__)

MAX_RETRIES = 5


def _run(task: Any, tenant_id: str, job_id: str, kind: str) -> None:
    try:
        with tenant_scope(tenant_id=tenant_id, require=Require.ACTIVE) as tenant:
            _render(task, tenant, job_id, kind)
    except TenantSuspendedError:
        # No new work for a suspended organization; the job stops counting
        # against its requester's active jobs.
        with tenant_scope(tenant_id=tenant_id, require=Require.LIVE) as tenant:
            services.job_fail(job_id=job_id, tenant_id=tenant.id, code="tenant_suspended")
    except TenantUnavailable as exc:
        logger.warning("render of %s skipped: %s", job_id, exc.code, extra={"job_id": job_id})


def _render(task: Any, tenant: AbstractTenant, job_id: str, kind: str) -> None:
    job = services.job_start(job_id)
    if job is None:  # redelivered after it finished: nothing to do
        return
    try:
        run = services.run_report if kind == Kind.REPORT else services.run_video
        run(job, tenant_id=tenant.id, tenant_slug=tenant.slug)
    except SoftTimeLimitExceeded:
        services.job_fail(job_id=job_id, tenant_id=tenant.id, code="render_timeout")
    except SourceUnavailableError as exc:
        if task.request.retries >= MAX_RETRIES:
            services.job_fail(job_id=job_id, tenant_id=tenant.id, code="source_unavailable")
            return
        countdown = min(settings.MEDIA_RETRY_BACKOFF_SECONDS * 2**task.request.retries, 300)
        raise task.retry(exc=exc, countdown=countdown) from exc
    except Exception as exc:
        logger.exception("render failed", extra={"job_id": job_id})
        if task.request.retries >= 2:
            services.job_fail(job_id=job_id, tenant_id=tenant.id, code="render_failed")
            return
        raise task.retry(exc=exc, countdown=10 * 2**task.request.retries) from exc


@shared_task(
    bind=True,
    name=RENDER_REPORT_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=settings.MEDIA_REPORT_SOFT_SECONDS,
    time_limit=settings.MEDIA_REPORT_HARD_SECONDS,
)
def render_report_task(self: Any, tenant_id: str, job_id: str) -> None:
    _run(self, tenant_id, job_id, Kind.REPORT)


@shared_task(
    bind=True,
    name=RENDER_VIDEO_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=settings.MEDIA_VIDEO_SOFT_SECONDS,
    time_limit=settings.MEDIA_VIDEO_HARD_SECONDS,
)
def render_video_task(self: Any, tenant_id: str, job_id: str) -> None:
    _run(self, tenant_id, job_id, Kind.VIDEO)


@shared_task(name="media.monthly_reports", acks_late=True)
def monthly_reports_task() -> int:
    """On the 1st: last month's organization report for every subscribed owner."""
    today = timezone.localdate()
    created = 0
    for tenant_id in Tenant.objects.filter(status=TenantStatus.ACTIVE).values_list("id", flat=True):
        try:
            with tenant_scope(tenant_id=tenant_id, require=Require.ACTIVE) as tenant:
                created += services.monthly_reports_for_tenant(
                    tenant_id=tenant.id, tenant_slug=tenant.slug, today=today
                )
        except TenantUnavailable as exc:  # suspended or gone since the list was read
            logger.info("monthly reports of %s skipped: %s", tenant_id, exc.code)
    return created
