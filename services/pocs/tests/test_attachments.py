"""Attachments: limits, and a real presigned upload and download through s3proxy."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

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


def _complete(member, poc, attachment):
    return member.client.post(f"/api/v1/pocs/{poc['id']}/attachments/{attachment['id']}/complete")


def _stored(member, key):
    body = s3_client().get_object(Bucket=bucket_name(member.tenant.id), Key=key)["Body"]
    return body.read()


def test_a_put_with_the_old_url_after_completion_does_not_change_the_attachment(alice, poc):
    attachment = _start(alice, poc).json()
    upload = attachment["upload"]
    requests.put(upload["url"], data=PAYLOAD, headers=upload["headers"], timeout=10)
    completed = _complete(alice, poc, attachment)
    assert completed.status_code == 200, completed.content
    assert completed.json()["sha256"] == hashlib.sha256(PAYLOAD).hexdigest()

    # The presigned URL is still within its lifetime: a bigger, different file.
    hostile = b"<script>alert(1)</script>" * 4096
    again = requests.put(upload["url"], data=hostile, headers=upload["headers"], timeout=10)
    assert again.status_code == 200  # S3 accepts it, but not where the attachment lives

    with alice.data():
        stored = Attachment.objects.get(id=attachment["id"])
    assert _stored(alice, stored.key) == PAYLOAD
    assert stored.size == len(PAYLOAD)
    assert stored.sha256 == hashlib.sha256(_stored(alice, stored.key)).hexdigest()
    detail = alice.client.get(f"/api/v1/pocs/{poc['id']}/attachments/{attachment['id']}")
    downloaded = requests.get(detail.json()["download"]["url"], timeout=10)
    assert downloaded.content == PAYLOAD
    # Completing again does not pick up the new bytes either.
    assert _complete(alice, poc, attachment).json()["sha256"] == stored.sha256
    assert _stored(alice, stored.key) == PAYLOAD


def test_the_client_url_never_writes_the_final_key(alice, poc):
    attachment = _start(alice, poc).json()
    with alice.data():
        stored = Attachment.objects.get(id=attachment["id"])
    assert stored.upload_key and stored.upload_key != stored.key
    assert stored.upload_key.startswith(f"pocs/{poc['id']}/")  # purged with the POC
    url = attachment["upload"]["url"]
    assert stored.upload_key in url and stored.key not in url


def test_completion_moves_the_upload_to_the_final_key(alice, poc):
    attachment = _start(alice, poc).json()
    upload = attachment["upload"]
    requests.put(upload["url"], data=PAYLOAD, headers=upload["headers"], timeout=10)
    assert _complete(alice, poc, attachment).status_code == 200
    with alice.data():
        stored = Attachment.objects.get(id=attachment["id"])
    listing = s3_client().list_objects_v2(
        Bucket=bucket_name(alice.tenant.id), Prefix=f"pocs/{poc['id']}/"
    )
    assert [item["Key"] for item in listing.get("Contents", [])] == [stored.key]


def test_upload_urls_expire_within_five_minutes(alice, poc):
    attachment = _start(alice, poc).json()
    with alice.data():
        created = Attachment.objects.get(id=attachment["id"]).created_at
    expires = datetime.fromisoformat(attachment["upload"]["expires_at"])
    assert expires - created <= timedelta(minutes=5, seconds=5)


def test_a_stored_object_of_another_type_than_declared_is_refused(alice, poc):
    """Read back what is stored: an object whose type differs from the declared one."""
    attachment = _start(alice, poc).json()
    with alice.data():
        stored = Attachment.objects.get(id=attachment["id"])
    s3_client().put_object(
        Bucket=bucket_name(alice.tenant.id),
        Key=stored.upload_key,
        Body=PAYLOAD,
        ContentType="text/html",
    )
    response = _complete(alice, poc, attachment)
    assert response.status_code == 409 and error_code(response) == "attachment_type_mismatch"
    with alice.data():
        assert Attachment.objects.get(id=attachment["id"]).state == AttachmentState.PENDING
    listing = s3_client().list_objects_v2(
        Bucket=bucket_name(alice.tenant.id), Prefix=f"pocs/{poc['id']}/"
    )
    assert listing.get("KeyCount", 0) == 0
