"""Requesting, running and finishing jobs (writes). See docs/adr/0014-media-jobs-and-rendering.md.

* ``job_request`` is idempotent: the key is the sha256 of the kind, the
  requester and the normalized parameters, unique per organization schema.
  The same request returns the same job (a failed one is queued again).
* ``job_claim`` starts an attempt; a job may be claimed more than once
  (redelivery after a worker died, the reaper, retries). Each claim is a new
  attempt number that fences the worker's writes: progress, heartbeat, the
  upload and the finish only happen while the job is still running under
  that attempt (docs/adr/0039-dead-workers-and-the-reaper.md). A delivery for
  a job already finished, or owned by a live attempt, is dropped.
* ``run_report`` / ``run_video`` render into a scratch folder, then upload to
  keys derived from the job id, mark the job done and publish
  ``media.job.completed`` in one transaction, under the row lock of the
  attempt that still owns the job. So a job ends with exactly one set of
  objects and one event, however often it ran.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import schema_context

from pocdex_shared.callers import Caller
from pocdex_shared.events.outbox import publish
from pocdex_shared.metrics import job_ended, record_usage
from pocdex_shared.plans import check_limit, limit_of, quota_lock
from rendering.data import Dojo, Poc
from rendering.report_csv import render_csv
from rendering.report_pdf import ReportInput, render_pdf
from rendering.video import Timing, render_video

from . import dispatch, errors, files, sources
from .models import Job, JobStatus, Kind, ReportSubscription, Scope
from .selectors import PLAN_LIMIT_OF_KIND, renders_this_month

logger = logging.getLogger(__name__)

JOB_COMPLETED = "media.job.completed"
JOB_FAILED = "media.job.failed"
REPORT_FORMATS = ("pdf", "csv")
VIDEO_FORMATS = ("vertical", "square")
LANGUAGES = ("pt-br", "en")


def request_key(kind: str, user_id: uuid.UUID, params: dict[str, Any]) -> str:
    canonical = json.dumps({"kind": kind, "user": str(user_id), "params": params}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _enqueue(job: Job, tenant_id: uuid.UUID | str) -> None:
    dispatch.enqueue_render(job, tenant_id)


def _lock_requester(requester: Caller) -> None:
    """Serialize one person's job creations until the transaction ends.

    A transaction-level advisory lock on (organization schema, person): the
    count of active jobs and the insert that follows it happen while no other
    request of the same person can do the same, so concurrent requests cannot
    all see room for one more. Media has no row per person to lock instead.
    """
    digest = hashlib.sha256(
        f"media.jobs.capacity:{getattr(connection, 'schema_name', '')}:{requester.id}".encode()
    ).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _check_capacity(requester: Caller) -> None:
    """One person may have ``MEDIA_MAX_ACTIVE_JOBS`` jobs waiting or running at a time.

    Each distinct request is a render for the workers; without a bound, one
    person varying the parameters could keep them busy for everyone else.
    Asking again for a job already made or under way is always answered.
    Called under ``_lock_requester``, in the transaction that then inserts.
    """
    limit = settings.MEDIA_MAX_ACTIVE_JOBS
    active = Job.objects.filter(
        requested_by=requester.id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).count()
    if active >= limit:
        raise errors.too_many_jobs(limit)


def _check_plan(requester: Caller, kind: str) -> None:
    """The plan limits the reports and videos asked for per calendar month.

    Only new renders count: asking again for a job made or under way, a retry of a
    failed one and the automatic reports are free. 403 ``plan_limit_reached``.
    """
    name = PLAN_LIMIT_OF_KIND.get(kind)
    tenant = requester.require_tenant()
    if name is None or limit_of(tenant, name) is None:
        return
    quota_lock(name)
    check_limit(tenant, name, used=renders_this_month(kind))


def _find_or_create(
    *,
    requester: Caller,
    kind: str,
    scope: str,
    language: str,
    params: dict[str, Any],
    validate: Callable[[], None] | None = None,
    automatic: bool = False,
) -> tuple[Job, bool]:
    key = request_key(kind, requester.id, {**params, "scope": scope, "language": language})
    existing = Job.objects.filter(request_key=key).first()
    if existing is not None and existing.status != JobStatus.FAILED:
        return existing, False
    if existing is None and validate is not None:
        validate()  # may call pocs: before any lock is taken
    with transaction.atomic():
        if not automatic:
            _lock_requester(requester)
        # Read again under the lock: the same request may have just been made.
        existing = Job.objects.select_for_update().filter(request_key=key).first()
        if existing is not None and existing.status != JobStatus.FAILED:
            return existing, False
        if not automatic:
            _check_capacity(requester)
        if existing is None and not automatic:
            _check_plan(requester, kind)
        if existing is None:
            try:
                with transaction.atomic():
                    job = Job.objects.create(
                        kind=kind,
                        request_key=key,
                        requested_by=requester.id,
                        requester_name=requester.name,
                        scope=scope,
                        language=language,
                        params=params,
                        automatic=automatic,
                    )
            except IntegrityError:  # the same automatic request, at the same moment
                return Job.objects.get(request_key=key), False
            _enqueue(job, requester.tenant_id)
            return job, True
        Job.objects.filter(id=existing.id).update(
            status=JobStatus.QUEUED,
            progress=0,
            error_code="",
            error_message="",
            finished_at=None,
            heartbeat_at=None,
            worker_losses=0,
        )
        _enqueue(existing, requester.tenant_id)
    existing.refresh_from_db()
    return existing, False


def report_request(
    *,
    requester: Caller,
    scope: str,
    start: dt.date,
    end: dt.date,
    language: str,
    formats: list[str],
    automatic: bool = False,
) -> tuple[Job, bool]:
    if scope == Scope.ORGANIZATION and not requester.is_admin:
        raise errors.scope_forbidden()
    if start > end:
        raise errors.invalid_range()
    if start > timezone.localdate():
        raise errors.range_in_future()
    if (end - start).days + 1 > settings.REPORT_MAX_DAYS:
        raise errors.range_too_wide(settings.REPORT_MAX_DAYS)
    params = {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "formats": sorted(set(formats)),
    }
    return _find_or_create(
        requester=requester,
        kind=Kind.REPORT,
        scope=scope,
        language=language,
        params=params,
        automatic=automatic,
    )


def _scope_filters(scope: str, user_id: uuid.UUID | str) -> dict[str, Any]:
    return {"author": None if scope == Scope.ORGANIZATION else user_id}


def video_request(
    *,
    requester: Caller,
    scope: str,
    year: int,
    video_format: str,
    language: str,
    exclude: list[uuid.UUID],
) -> tuple[Job, bool]:
    if scope == Scope.ORGANIZATION and not requester.is_admin:
        raise errors.scope_forbidden()
    if year > timezone.localdate().year:
        raise errors.year_in_future()
    excluded = sorted({str(poc_id) for poc_id in exclude})
    params = {"year": year, "format": video_format, "exclude": excluded}

    def validate() -> None:
        # Checked when the job is created, so the answer is immediate: POCs to
        # leave out must be among the video's, and something must remain.
        try:
            pocs = sources.fetch_pocs(
                tenant_id=requester.tenant_id,
                viewer=requester.id,
                start=dt.date(year, 1, 1),
                end=dt.date(year, 12, 31),
                **_scope_filters(scope, requester.id),
            )
        except sources.SourceUnavailableError:
            raise errors.source_unavailable() from None
        known = {poc.id for poc in pocs}
        unknown = [poc_id for poc_id in excluded if poc_id not in known]
        if unknown:
            raise errors.unknown_pocs(unknown)
        if not known - set(excluded):
            raise errors.nothing_to_render(year)

    return _find_or_create(
        requester=requester,
        kind=Kind.VIDEO,
        scope=scope,
        language=language,
        params=params,
        validate=validate,
    )


# ------------------------------------------------------------------ running


class ClaimLostError(Exception):
    """This attempt no longer owns its job: the reaper gave it to a newer one, or it ended."""


@dataclass(frozen=True)
class Claim:
    """A worker's hold on a job: the job as claimed and the attempt number that fences it."""

    job: Job
    attempt: int

    @property
    def job_id(self) -> uuid.UUID:
        return self.job.id

    def owned(self) -> Any:
        """The job's row, only while this attempt still runs it."""
        return Job.objects.filter(id=self.job.id, attempts=self.attempt, status=JobStatus.RUNNING)


def _stale_before() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.MEDIA_STALE_SECONDS)


def _last_sign_of_life(job: Job) -> dt.datetime | None:
    return job.heartbeat_at or job.started_at


def job_claim(job_id: uuid.UUID | str, *, tenant_id: uuid.UUID | str) -> Claim | None:
    """Start a new attempt at a job; None when this delivery must be dropped.

    Dropped: the job ended (succeeded or failed), or a live attempt runs it
    (its heartbeat is fresh). A running job whose heartbeat went stale lost its
    worker: this delivery takes over, counting the loss, and the job fails
    with ``worker_lost`` when the losses reach ``MEDIA_MAX_WORKER_LOSSES``.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(id=job_id).first()
        if job is None or job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return None
        if job.status == JobStatus.RUNNING:
            last = _last_sign_of_life(job)
            if last is not None and last >= _stale_before():
                return None
            if _count_worker_loss(job, tenant_id):
                return None
        now = timezone.now()
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.heartbeat_at = now
        job.save(
            update_fields=[
                "status",
                "attempts",
                "started_at",
                "heartbeat_at",
                "worker_losses",
                "updated_at",
            ]
        )
    return Claim(job=job, attempt=job.attempts)


def _count_worker_loss(job: Job, tenant_id: uuid.UUID | str) -> bool:
    """Count a dead worker on a locked running job; True when that failed the job."""
    job.worker_losses += 1
    logger.warning(
        "render attempt %s of %s lost its worker (%s of %s)",
        job.attempts,
        job.id,
        job.worker_losses,
        settings.MEDIA_MAX_WORKER_LOSSES,
        extra={"job_id": str(job.id)},
    )
    if job.worker_losses >= settings.MEDIA_MAX_WORKER_LOSSES:
        _fail_locked(job, tenant_id, "worker_lost")
        return True
    return False


def job_release_for_retry(claim: Claim, *, countdown: float) -> bool:
    """Give the job back to the queue while a retry waits ``countdown`` seconds.

    The heartbeat then holds the time the retry is due: if it has not been
    claimed well after that (its worker died holding the retry), the reaper
    sends it again. False when this attempt no longer owns the job.
    """
    due = timezone.now() + dt.timedelta(seconds=countdown)
    return bool(claim.owned().update(status=JobStatus.QUEUED, heartbeat_at=due))


def reap_stale_jobs(*, tenant_id: uuid.UUID | str) -> int:
    """In the current organization's schema: queue again the jobs whose worker died.

    A running job whose heartbeat is older than ``MEDIA_STALE_SECONDS`` is
    queued again (or failed with ``worker_lost`` at the cap); a job waiting for
    a retry that is that much overdue is sent again. Rows another transaction
    holds (an attempt finishing) are skipped. Returns the jobs handled.
    """
    cutoff = _stale_before()
    overdue = (
        Q(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff)
        | Q(status=JobStatus.RUNNING, heartbeat_at__isnull=True, started_at__lt=cutoff)
        | Q(status=JobStatus.QUEUED, heartbeat_at__lt=cutoff)
    )
    handled = 0
    for job_id in Job.objects.filter(overdue).values_list("id", flat=True):
        with transaction.atomic():
            job = Job.objects.select_for_update(skip_locked=True).filter(overdue, id=job_id).first()
            if job is None:
                continue
            handled += 1
            if job.status == JobStatus.RUNNING and _count_worker_loss(job, tenant_id):
                continue
            job.status = JobStatus.QUEUED
            job.heartbeat_at = None
            job.save(update_fields=["status", "heartbeat_at", "worker_losses", "updated_at"])
            logger.info("render of %s queued again", job.id, extra={"job_id": str(job.id)})
            _enqueue(job, tenant_id)
    return handled


class Heartbeat:
    """Writes the attempt's heartbeat every ``MEDIA_HEARTBEAT_SECONDS`` from a thread.

    A thread, so that a long step with no progress (an upload, a slow source)
    still shows the worker alive; it dies with the worker. When the write
    finds the job no longer owned by the attempt, ``lost`` is set and the
    render stops at its next progress report.
    """

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._schema = getattr(connection, "schema_name", "public")
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat-{claim.job_id}", daemon=True
        )

    def _run(self) -> None:
        try:
            with schema_context(self._schema):
                while not self._stop.wait(settings.MEDIA_HEARTBEAT_SECONDS):
                    if not self.claim.owned().update(heartbeat_at=timezone.now()):
                        self.lost.set()
                        return
        except Exception:
            logger.exception("heartbeat failed", extra={"job_id": str(self.claim.job_id)})
        finally:
            connection.close()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


@contextmanager
def heartbeat(claim: Claim) -> Iterator[Heartbeat]:
    with Heartbeat(claim) as beat:
        yield beat


class ProgressWriter:
    """Writes a job's progress while it renders, at most every half second.

    Progress only grows, also across attempts: a retried job's progress stays
    where the last attempt left it until the new one passes it. Raises
    :class:`ClaimLostError` once the attempt no longer owns the job.
    """

    def __init__(self, claim: Claim, beat: Heartbeat | None = None) -> None:
        self.claim = claim
        self.beat = beat
        self.last_value = -1
        self.last_time = 0.0

    def __call__(self, percent: int) -> None:
        if self.beat is not None and self.beat.lost.is_set():
            raise ClaimLostError(str(self.claim.job_id))
        percent = max(0, min(99, percent))
        now = time.monotonic()
        if percent <= self.last_value or (now - self.last_time < 0.5 and percent < 99):
            return
        self.last_value, self.last_time = percent, now
        owned = self.claim.owned()
        if not owned.filter(progress__lt=percent).update(progress=percent) and not owned.exists():
            raise ClaimLostError(str(self.claim.job_id))


def _event_payload(job: Job, tenant_id: uuid.UUID | str) -> dict[str, Any]:
    return {
        "job_id": str(job.id),
        "kind": job.kind,
        "status": job.status,
        "tenant_id": str(tenant_id),
        "user_id": str(job.requested_by),
        "scope": job.scope,
        "language": job.language,
        "params": job.params,
        "automatic": job.automatic,
        "warnings": job.warnings,
        "error_code": job.error_code,
        "path": f"/api/v1/{'reports' if job.kind == Kind.REPORT else 'videos'}/{job.id}",
    }


def _count_ended(job: Job) -> None:
    """Metrics (pocdex_shared.metrics), once the job's end is committed: its outcome and
    completion time; a render and the bytes of its files as the organization's usage."""
    tenant = getattr(connection, "tenant", None)
    outcome = "succeeded" if job.status == JobStatus.SUCCEEDED else "failed"
    seconds = (job.finished_at - job.created_at).total_seconds() if job.finished_at else 0.0
    transaction.on_commit(lambda: job_ended(str(job.kind), outcome, seconds))
    if outcome != "succeeded":
        return
    kind = "report_rendered" if job.kind == Kind.REPORT else "video_rendered"
    size = sum(int(o.get("size") or 0) for o in (job.outputs or {}).values() if isinstance(o, dict))
    transaction.on_commit(lambda: record_usage(kind, tenant=tenant))
    transaction.on_commit(lambda: record_usage("storage_bytes", tenant=tenant, amount=size))


def job_finish(
    *,
    claim: Claim,
    tenant_id: uuid.UUID | str,
    upload: Callable[[], dict[str, Any]],
    warnings: list[str],
    details: dict[str, Any],
) -> bool:
    """Upload, mark done and publish, once, for the attempt that owns the job.

    ``upload`` puts the files and returns their records; it runs under the
    job's row lock, so no other attempt can be claimed, reaped or finish
    meanwhile, and a stale attempt never writes a file. Returns False when
    this attempt no longer owns the job (nothing uploaded, nothing published).
    """
    with transaction.atomic():
        job = claim.owned().select_for_update().first()
        if job is None:
            return False
        job.outputs = upload()
        job.status = JobStatus.SUCCEEDED
        job.progress = 100
        job.warnings = warnings
        job.details = details
        job.error_code = job.error_message = ""
        job.finished_at = timezone.now()
        job.heartbeat_at = None
        job.save()
        publish(JOB_COMPLETED, _event_payload(job, tenant_id), tenant_id=tenant_id)
        _count_ended(job)
    return True


def _fail_locked(job: Job, tenant_id: uuid.UUID | str, code: str) -> None:
    job.status = JobStatus.FAILED
    job.error_code = code
    job.error_message = str(errors.JOB_ERRORS.get(code, code))[:500]
    job.finished_at = timezone.now()
    job.heartbeat_at = None
    job.save()
    _count_ended(job)
    publish(JOB_FAILED, _event_payload(job, tenant_id), tenant_id=tenant_id)


def job_fail(
    *,
    job_id: uuid.UUID | str,
    tenant_id: uuid.UUID | str,
    code: str,
    claim: Claim | None = None,
) -> bool:
    """Fail a job that has not ended; with ``claim``, only while that attempt owns it."""
    with transaction.atomic():
        rows = claim.owned() if claim is not None else Job.objects.filter(id=job_id)
        job = rows.select_for_update().first()
        if job is None or job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return False
        _fail_locked(job, tenant_id, code)
    return True


def _workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="pocdex-media-", dir=settings.MEDIA_WORK_DIR))


def _data(
    job: Job, tenant_id: uuid.UUID | str, start: dt.date, end: dt.date
) -> tuple[list[Poc], list[Dojo] | None]:
    author = None if job.scope == Scope.ORGANIZATION else job.requested_by
    pocs = sources.fetch_pocs(
        tenant_id=tenant_id, viewer=job.requested_by, author=author, start=start, end=end
    )
    dojos = sources.fetch_dojos(tenant_id=tenant_id, participant=author, start=start, end=end)
    return pocs, dojos


def run_report(
    claim: Claim, *, tenant_id: uuid.UUID | str, tenant_slug: str, beat: Heartbeat | None = None
) -> bool:
    """Render and finish a report; False when the attempt lost the job on the way."""
    job = claim.job
    start = dt.date.fromisoformat(job.params["from"])
    end = dt.date.fromisoformat(job.params["to"])
    progress = ProgressWriter(claim, beat)
    pocs, dojos = _data(job, tenant_id, start, end)
    progress(30)
    workdir = _workdir()
    try:
        rendered: dict[str, tuple[Path, str]] = {}
        details: dict[str, Any] = {"pocs": len(pocs)}
        stem = f"pocdex-report-{start.isoformat()}-{end.isoformat()}"
        if "pdf" in job.params["formats"]:
            pdf = workdir / "report.pdf"
            render_pdf(
                ReportInput(
                    language=job.language,
                    scope=job.scope,
                    subject_name=tenant_slug
                    if job.scope == Scope.ORGANIZATION
                    else job.requester_name,
                    start=start,
                    end=end,
                    pocs=pocs,
                    dojos=dojos,
                    generated_on=timezone.localdate(),
                ),
                pdf,
            )
            rendered["pdf"] = (pdf, files.report_key(job.id, "pdf"))
            progress(70)
        if "csv" in job.params["formats"]:
            csv_path = workdir / "report.csv"
            render_csv(pocs, job.language, csv_path)
            rendered["csv"] = (csv_path, files.report_key(job.id, "csv"))
        progress(90)

        def upload() -> dict[str, Any]:
            return {
                name: files.upload(
                    tenant_id=tenant_id,
                    key=key,
                    path=path,
                    content_type=files.CONTENT_TYPES[name],
                    filename=f"{stem}.{name}",
                )
                for name, (path, key) in rendered.items()
            }

        warnings = [] if dojos is not None else [sources.DOJO_UNAVAILABLE]
        return job_finish(
            claim=claim, tenant_id=tenant_id, upload=upload, warnings=warnings, details=details
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run_video(
    claim: Claim, *, tenant_id: uuid.UUID | str, tenant_slug: str, beat: Heartbeat | None = None
) -> bool:
    """Render and finish a video; False when the attempt lost the job on the way."""
    job = claim.job
    year = int(job.params["year"])
    progress = ProgressWriter(claim, beat)
    pocs, dojos = _data(job, tenant_id, dt.date(year, 1, 1), dt.date(year, 12, 31))
    excluded = set(job.params.get("exclude", []))
    pocs = [poc for poc in pocs if poc.id not in excluded]
    progress(5)
    workdir = _workdir()
    try:
        title = tenant_slug if job.scope == Scope.ORGANIZATION else job.requester_name
        result = render_video(
            pocs=pocs,
            dojos=dojos,
            year=year,
            title=title,
            language=job.language,
            video_format=job.params["format"],
            workdir=workdir,
            timing=Timing(scale=settings.VIDEO_SCENE_SCALE),
            progress=lambda percent: progress(5 + int(percent * 0.9)),
        )
        stem = f"pocdex-{year}-{job.params['format']}"

        def upload() -> dict[str, Any]:
            return {
                "mp4": files.upload(
                    tenant_id=tenant_id,
                    key=files.video_key(job.id, job.params["format"]),
                    path=result.video,
                    content_type=files.CONTENT_TYPES["mp4"],
                    filename=f"{stem}.mp4",
                ),
                "thumbnail": files.upload(
                    tenant_id=tenant_id,
                    key=files.thumbnail_key(job.id),
                    path=result.thumbnail,
                    content_type=files.CONTENT_TYPES["thumbnail"],
                    filename=f"{stem}.jpg",
                ),
            }

        details = {
            "pocs": len(pocs),
            "duration_seconds": round(result.duration, 2),
            "scenes": result.scenes,
        }
        return job_finish(
            claim=claim,
            tenant_id=tenant_id,
            upload=upload,
            warnings=result.warnings,
            details=details,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ------------------------------------------------------------------ subscriptions


def subscription_set(*, requester: Caller, language: str, formats: list[str]) -> ReportSubscription:
    if requester.role != "owner":
        raise errors.subscription_forbidden()
    subscription, _created = ReportSubscription.objects.update_or_create(
        user_id=requester.id,
        defaults={
            "user_name": requester.name,
            "language": language,
            "formats": sorted(set(formats)),
        },
    )
    return subscription


def subscription_delete(*, requester: Caller) -> None:
    deleted, _ = ReportSubscription.objects.filter(user_id=requester.id).delete()
    if not deleted:
        raise errors.subscription_not_found()


def previous_month(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def monthly_reports_for_tenant(*, tenant_id: uuid.UUID, tenant_slug: str, today: dt.date) -> int:
    """Last month's organization report for every subscriber (idempotent: same key, same job)."""
    start, end = previous_month(today)
    created = 0
    for subscription in ReportSubscription.objects.all():
        # The subscriber, as recorded when they subscribed (only owners may).
        requester = Caller.acting_for(
            person_id=subscription.user_id,
            tenant_id=tenant_id,
            role="owner",
            name=subscription.user_name,
        )
        _job, new = report_request(
            requester=requester,
            scope=Scope.ORGANIZATION,
            start=start,
            end=end,
            language=subscription.language,
            formats=subscription.formats or list(REPORT_FORMATS),
            automatic=True,
        )
        created += int(new)
    return created
