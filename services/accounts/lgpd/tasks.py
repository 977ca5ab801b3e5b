"""LGPD jobs on accounts' default queue (ADR 0044)."""

from __future__ import annotations

from typing import Any

import requests
from celery import shared_task

from . import services


@shared_task(
    name="accounts.lgpd_run_export",
    bind=True,
    autoretry_for=(requests.RequestException, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
    acks_late=True,
    reject_on_worker_lost=True,
)
def run_export_task(self: Any, export_id: str) -> None:
    services.export_run(export_id)


@shared_task(name="accounts.lgpd_resume_exports", acks_late=True)
def resume_exports_task() -> int:
    return len(services.exports_resume_stale())


@shared_task(name="accounts.lgpd_purge_due", acks_late=True)
def purge_due_task() -> int:
    return len(services.purge_due())


@shared_task(
    name="accounts.lgpd_run_person_export",
    bind=True,
    autoretry_for=(requests.RequestException, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
    acks_late=True,
    reject_on_worker_lost=True,
)
def run_person_export_task(self: Any, export_id: str) -> None:
    from . import people

    people.person_export_run(export_id)


@shared_task(name="accounts.lgpd_person_exports_upkeep", acks_late=True)
def person_exports_upkeep_task() -> int:
    """Resume personal exports whose worker died; delete the archives whose link expired."""
    from . import people

    return len(people.person_exports_resume_stale()) + people.person_exports_expire()
