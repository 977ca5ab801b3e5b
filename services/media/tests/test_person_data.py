"""media's part of a person's own data (ADR 0047): their jobs, files and anonymization."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from rest_framework.test import APIClient

from jobs.models import Job, JobStatus, ReportSubscription, Scope
from pocdex_shared import storage
from pocdex_shared.person_data import on_person_deleted
from pocdex_shared.testing.tenants import Member
from pocdex_shared.testing.tokens import service_token


def person_part(tenant_id: Any, person_id: Any, token: str) -> Any:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api.post(f"/internal/v1/tenants/{tenant_id}/people/{person_id}/export")


def accounts_token() -> str:
    return service_token(service="accounts", audience="pocdex-media")


def finished_job(member: Member, scope: str, body: bytes) -> tuple[Job, str]:
    key = f"media/{uuid.uuid4()}/report.pdf"
    storage.ensure_bucket(member.tenant.id)
    storage.s3_client().put_object(Bucket=storage.bucket_name(member.tenant.id), Key=key, Body=body)
    with member.data():
        job = Job.objects.create(
            kind="report",
            request_key=uuid.uuid4().hex,
            requested_by=member.id,
            requester_name=member.name,
            scope=scope,
            language="pt-br",
            status=JobStatus.SUCCEEDED,
            outputs={"pdf": {"key": key, "content_type": "application/pdf", "size": len(body)}},
        )
    return job, key


def test_the_part_holds_their_jobs_and_files_in_that_organization_only(
    org: Any, alice: Member, bob: Member, outsider: Member
) -> None:
    job, key = finished_job(alice, Scope.ME, b"%PDF alice")
    finished_job(bob, Scope.ORGANIZATION, b"%PDF bob")
    finished_job(outsider, Scope.ME, b"%PDF otto")
    with alice.data():
        ReportSubscription.objects.create(user_id=alice.id, user_name=alice.name, formats=["pdf"])

    refused = person_part(org.id, alice.id, service_token(service="pocs", audience="pocdex-media"))
    assert refused.status_code == 403
    answer = person_part(org.id, alice.id, accounts_token())

    assert answer.status_code == 200, answer.content
    part = answer.json()
    assert [j["pk"] for j in part["data"]["jobs"]] == [str(job.id)]
    assert [s["fields"]["user_name"] for s in part["data"]["report_subscription"]] == [alice.name]
    assert part["files"] == [key]
    assert person_part(uuid.uuid4(), alice.id, accounts_token()).status_code == 404


def test_person_deleted_removes_reports_about_them_and_renames_the_requester(
    org: Any, alice: Member, bob: Member
) -> None:
    about_her, her_file = finished_job(alice, Scope.ME, b"%PDF alice")
    for_all, shared_file = finished_job(alice, Scope.ORGANIZATION, b"%PDF org")
    bobs, _key = finished_job(bob, Scope.ME, b"%PDF bob")
    with alice.data():
        ReportSubscription.objects.create(user_id=alice.id, user_name=alice.name, formats=["pdf"])
    envelope = {
        "id": str(uuid.uuid4()),
        "payload": {"person_id": str(alice.id), "names": {str(org.id): "Deleted person"}},
    }
    on_person_deleted(envelope)
    on_person_deleted(envelope)

    with alice.data():
        assert not Job.objects.filter(id=about_her.id).exists()
        assert Job.objects.get(id=for_all.id).requester_name == "Deleted person"
        assert Job.objects.get(id=bobs.id).requester_name == bob.name
        assert not ReportSubscription.objects.filter(user_id=alice.id).exists()
    s3 = storage.s3_client()
    bucket = storage.bucket_name(org.id)
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key=her_file)
    s3.head_object(Bucket=bucket, Key=shared_file)
