"""Attachments: limits, and a real presigned upload and download through s3proxy."""

from __future__ import annotations

import pytest
import requests

from pocdex_shared.storage import bucket_name, s3_client
from registry.models import Attachment, AttachmentState

from .conftest import error_code

pytestmark = pytest.mark.django_db

PAYLOAD = b"# Notas do POC\nFuncionou com passkeys.\n"


@pytest.fixture
def poc(alice, create_poc):
    return create_poc(alice, name="Passkeys")


def _start(member, poc, **overrides):
    body = {
        "filename": "Relatório final.md",
        "content_type": "text/markdown",
        "size": len(PAYLOAD),
        **overrides,
    }
    return member.client.post(f"/api/v1/pocs/{poc['id']}/attachments", body, format="json")


def test_upload_complete_and_download_round_trip_through_s3(alice, bob, poc):
    started = _start(alice, poc)
    assert started.status_code == 201, started.content
    attachment = started.json()
    assert attachment["state"] == "pending"
    upload = attachment["upload"]
    assert upload["method"] == "PUT"
    put = requests.put(upload["url"], data=PAYLOAD, headers=upload["headers"], timeout=10)
    assert put.status_code == 200, put.text

    completed = alice.client.post(
        f"/api/v1/pocs/{poc['id']}/attachments/{attachment['id']}/complete"
    )
    assert completed.status_code == 200 and completed.json()["state"] == "ready"

    with alice.data():
        stored = Attachment.objects.get(id=attachment["id"])
    assert stored.key == f"pocs/{poc['id']}/{attachment['id']}/Relatorio-final.md"
    head = s3_client().head_object(Bucket=bucket_name(alice.tenant.id), Key=stored.key)
    assert head["ContentLength"] == len(PAYLOAD)

    # Any member who sees the POC may download, through a short-lived URL.
    detail = bob.client.get(f"/api/v1/pocs/{poc['id']}/attachments/{attachment['id']}")
    assert detail.status_code == 200
    download = requests.get(detail.json()["download"]["url"], timeout=10)
    assert download.status_code == 200 and download.content == PAYLOAD
    assert "attachment" in download.headers["Content-Disposition"]
    listed = bob.client.get(f"/api/v1/pocs/{poc['id']}/attachments").json()["results"]
    assert [a["id"] for a in listed] == [attachment["id"]]


def test_the_bucket_is_named_from_the_organization_id(alice, poc):
    _start(alice, poc)
    names = {b["Name"] for b in s3_client().list_buckets()["Buckets"]}
    assert f"pocdex-test-t-{alice.tenant.id.hex}" in names


def test_completing_before_uploading_is_a_conflict(alice, poc):
    attachment = _start(alice, poc).json()
    response = alice.client.post(
        f"/api/v1/pocs/{poc['id']}/attachments/{attachment['id']}/complete"
    )
    assert response.status_code == 409 and error_code(response) == "attachment_not_uploaded"
    download = alice.client.get(f"/api/v1/pocs/{poc['id']}/attachments/{attachment['id']}")
    assert download.status_code == 409 and error_code(download) == "attachment_not_ready"


def test_an_upload_of_another_size_than_declared_is_refused_and_removed(alice, poc):
    attachment = _start(alice, poc).json()
    upload = attachment["upload"]
    requests.put(upload["url"], data=PAYLOAD + b"extra", headers=upload["headers"], timeout=10)
    response = alice.client.post(
        f"/api/v1/pocs/{poc['id']}/attachments/{attachment['id']}/complete"
    )
    assert response.status_code == 409 and error_code(response) == "attachment_size_mismatch"
    with alice.data():
        key = Attachment.objects.get(id=attachment["id"]).key
        assert Attachment.objects.get(id=attachment["id"]).state == AttachmentState.PENDING
    listing = s3_client().list_objects_v2(Bucket=bucket_name(alice.tenant.id), Prefix=key)
    assert listing.get("KeyCount", 0) == 0


def test_files_over_25_mib_are_refused(alice, poc):
    response = _start(alice, poc, size=25 * 1024 * 1024 + 1)
    assert response.status_code == 400 and error_code(response) == "attachment_too_large"
    assert _start(alice, poc, size=25 * 1024 * 1024).status_code == 201


@pytest.mark.parametrize("content_type", ["application/x-msdownload", "text/html", "image/svg+xml"])
def test_types_outside_the_allow_list_are_refused(alice, poc, content_type):
    response = _start(alice, poc, content_type=content_type)
    assert response.status_code == 400 and error_code(response) == "attachment_type_not_allowed"
    with alice.data():
        assert not Attachment.objects.exists()


def test_only_editors_attach_and_delete(alice, bob, poc):
    refused = _start(bob, poc)
    assert refused.status_code == 403 and error_code(refused) == "permission_denied"
    attachment = _start(alice, poc).json()
    denied = bob.client.delete(f"/api/v1/pocs/{poc['id']}/attachments/{attachment['id']}")
    assert denied.status_code == 403
    deleted = alice.client.delete(f"/api/v1/pocs/{poc['id']}/attachments/{attachment['id']}")
    assert deleted.status_code == 204
    with alice.data():
        assert not Attachment.objects.filter(id=attachment["id"]).exists()


def test_deleting_an_attachment_removes_its_object(alice, poc):
    attachment = _start(alice, poc).json()
    upload = attachment["upload"]
    requests.put(upload["url"], data=PAYLOAD, headers=upload["headers"], timeout=10)
    with alice.data():
        key = Attachment.objects.get(id=attachment["id"]).key
    alice.client.delete(f"/api/v1/pocs/{poc['id']}/attachments/{attachment['id']}")
    listing = s3_client().list_objects_v2(Bucket=bucket_name(alice.tenant.id), Prefix=key)
    assert listing.get("KeyCount", 0) == 0


def test_an_unknown_attachment_is_not_found(alice, poc):
    response = alice.client.get(
        f"/api/v1/pocs/{poc['id']}/attachments/00000000-0000-0000-0000-000000000000"
    )
    assert response.status_code == 404 and error_code(response) == "attachment_not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"size": 0}, "size"),
        ({"size": "big"}, "size"),
        ({"filename": ""}, "filename"),
    ],
)
def test_bad_attachment_input_is_a_validation_error(alice, poc, body, field):
    response = _start(alice, poc, **body)
    assert response.status_code == 400 and error_code(response) == "validation_error"
    assert field in response.json()["error"]["fields"]
