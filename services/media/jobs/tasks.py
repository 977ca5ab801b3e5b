"""Celery tasks: rendering on media.reports and media.videos, and the monthly reports.

Reliability (docs/adr/0014-media-jobs-and-rendering.md): ``acks_late`` and
``reject_on_worker_lost`` (a message is acknowledged only after the task
returns, and goes back to the queue if the worker dies), prefetch 1 (set for
the whole app), soft and hard time limits below the broker's visibility
timeout, retries with exponential backoff when a source is unavailable, and
renders idempotent on deterministic keys. A dead worker's job is picked up
again by the reaper (``media.reap_stale_jobs``, on the beat) once its
heartbeat stops, long before the broker would deliver the message again;
each delivery claims a new attempt and drops itself when the job ended or a
live attempt owns it (docs/adr/0039-dead-workers-and-the-reaper.md).

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

from . import reaper, services
from .dispatch import REAP_TASK, RENDER_REPORT_TASK, RENDER_VIDEO_TASK
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
    claim = services.job_claim(job_id, tenant_id=tenant.id)
    if claim is None:  # finished, or a live attempt runs it: this delivery is a duplicate
        logger.info("delivery of %s dropped", job_id, extra={"job_id": job_id})
        return
    try:
        with services.heartbeat(claim) as beat:
            run = services.run_report if kind == Kind.REPORT else services.run_video
            run(claim, tenant_id=tenant.id, tenant_slug=tenant.slug, beat=beat)
    except services.ClaimLostError:
        logger.warning("render of %s stopped: a newer attempt owns it", job_id)
    except SoftTimeLimitExceeded:
        services.job_fail(job_id=job_id, tenant_id=tenant.id, code="render_timeout", claim=claim)
    except SourceUnavailableError as exc:
        if task.request.retries >= MAX_RETRIES:
            services.job_fail(
                job_id=job_id, tenant_id=tenant.id, code="source_unavailable", claim=claim
            )
            return
        countdown = min(settings.MEDIA_RETRY_BACKOFF_SECONDS * 2**task.request.retries, 300)
        _retry(task, claim, exc, countdown)
    except Exception as exc:
        logger.exception("render failed", extra={"job_id": job_id})
        if task.request.retries >= 2:
            services.job_fail(job_id=job_id, tenant_id=tenant.id, code="render_failed", claim=claim)
            return
        _retry(task, claim, exc, 10 * 2**task.request.retries)


def _retry(task: Any, claim: services.Claim, exc: Exception, countdown: float) -> None:
    """Queue the job for a retry in ``countdown`` seconds, if this attempt still owns it."""
    if not services.job_release_for_retry(claim, countdown=countdown):
        return
    raise task.retry(exc=exc, countdown=countdown) from exc


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


@shared_task(name=REAP_TASK, acks_late=True)
def reap_stale_jobs_task() -> int:
    """Every ``MEDIA_REAPER_SECONDS``: jobs whose worker died go back to their queue."""
    handled = 0
    for tenant_id in reaper.tenants_with_stale_jobs():
        try:
            with tenant_scope(tenant_id=tenant_id, require=Require.LIVE) as tenant:
                handled += services.reap_stale_jobs(tenant_id=tenant.id)
        except TenantUnavailable as exc:  # purged since the sweep read the list
            logger.info("reaping %s skipped: %s", tenant_id, exc.code)
    return handled


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
