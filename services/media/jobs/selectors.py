"""Reads: a member's own jobs."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from pocdex_shared.plans import month_start

from . import errors
from .models import Job, Kind, ReportSubscription

#: The monthly plan limit each kind of render counts against.
PLAN_LIMIT_OF_KIND: dict[str, str] = {
    Kind.REPORT: "reports_per_month",
    Kind.VIDEO: "videos_per_month",
}


def renders_this_month(kind: str) -> int:
    """What counts against a kind's monthly limit: renders asked for since the month began.

    Asking again for a job made or under way, a retry of a failed one and the
    automatic reports are free.
    """
    return Job.objects.filter(kind=kind, automatic=False, created_at__gte=month_start()).count()


def job_list(*, user_id: uuid.UUID, kind: str) -> QuerySet[Job]:
    """Everyone sees the jobs they requested, and only those (organization-wide ones included)."""
    return Job.objects.filter(requested_by=user_id, kind=kind)


def job_get(*, user_id: uuid.UUID, kind: str, job_id: uuid.UUID) -> Job:
    job = job_list(user_id=user_id, kind=kind).filter(id=job_id).first()
    if job is None:
        raise errors.job_not_found()
    return job


def subscription_get(*, user_id: uuid.UUID) -> ReportSubscription:
    subscription = ReportSubscription.objects.filter(user_id=user_id).first()
    if subscription is None:
        raise errors.subscription_not_found()
    return subscription
