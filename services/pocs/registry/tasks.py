"""Celery beat tasks of the registry (scheduled in ``RegistryConfig.ready``)."""

from __future__ import annotations

import logging

from celery import shared_task

from . import cleanup

logger = logging.getLogger(__name__)

PURGE_TASK = "registry.purge_deleted_pocs"
ABANDONED_UPLOADS_TASK = "registry.remove_abandoned_uploads"
QUEUE = "pocs.default"


@shared_task(name=PURGE_TASK, ignore_result=True)
def purge_deleted_pocs_task() -> int:
    report = cleanup.purge_deleted_pocs()
    if report.pocs or report.kept:
        logger.info(
            "deleted POCs purged",
            extra={
                "pocs": report.pocs,
                "attachments": report.attachments,
                "objects": report.objects,
                "kept": len(report.kept),
            },
        )
    return report.pocs


@shared_task(name=ABANDONED_UPLOADS_TASK, ignore_result=True)
def remove_abandoned_uploads_task() -> int:
    report = cleanup.remove_abandoned_uploads()
    if report.attachments or report.kept:
        logger.info(
            "abandoned uploads removed",
            extra={"attachments": report.attachments, "objects": report.objects},
        )
    return report.attachments
