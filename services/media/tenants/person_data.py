"""media's part of a person's own data (ADR 0047): the reports and videos they requested.

Export: their jobs (with the output files) and their monthly report
subscription. Erasure: the organization's reports they requested stay, with
the requester's name replaced; reports about the person alone ("me" scope)
and their files are deleted, and so is their subscription.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core import serializers

from pocdex_shared import storage
from pocdex_shared.person_data import register_person_data


def _rows(queryset: Any) -> list[dict[str, Any]]:
    return list(json.loads(serializers.serialize("json", queryset)))


def documents(tenant_id: uuid.UUID, person_id: uuid.UUID) -> dict[str, Any]:
    from jobs.models import Job, ReportSubscription

    return {
        "jobs": _rows(Job.objects.filter(requested_by=person_id).order_by("created_at")),
        "report_subscription": _rows(ReportSubscription.objects.filter(user_id=person_id)),
    }


def _output_keys(jobs: Any) -> list[str]:
    return [
        str(output["key"])
        for job in jobs
        for output in (job.outputs or {}).values()
        if isinstance(output, dict) and output.get("key")
    ]


def files(tenant_id: uuid.UUID, person_id: uuid.UUID) -> list[str]:
    from jobs.models import Job, JobStatus

    return _output_keys(
        Job.objects.filter(requested_by=person_id, status=JobStatus.SUCCEEDED).order_by(
            "created_at"
        )
    )


def anonymize(tenant_id: uuid.UUID, person_id: uuid.UUID, name: str) -> None:
    from jobs.models import Job, ReportSubscription, Scope

    about_them = Job.objects.filter(requested_by=person_id, scope=Scope.ME)
    keys = _output_keys(about_them)
    if keys:
        client = storage.s3_client()
        bucket = storage.bucket_name(tenant_id)
        for key in keys:
            client.delete_object(Bucket=bucket, Key=key)
    about_them.delete()
    Job.objects.filter(requested_by=person_id).update(requester_name=name)
    ReportSubscription.objects.filter(user_id=person_id).delete()


def register() -> None:
    register_person_data(documents=documents, files=files, anonymize=anonymize)
