"""Sweeps over every organization: purging deleted POCs past the restore window, and
removing uploads that were never completed. Real PostgreSQL, s3proxy and OpenSearch."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from config.celery import app as celery_app
from pocdex_shared.storage import bucket_name, s3_client
from registry.models import Attachment, Poc
from registry.tasks import (
    ABANDONED_UPLOADS_TASK,
    PURGE_TASK,
    remove_abandoned_uploads_task,
)
from search.client import alias, client
from search.models import PendingDocument

from .conftest import Member, error_code

PAYLOAD = b"retrospectiva do POC\n"


def _upload(member: Member, poc_id: str, *, body: bytes | None = PAYLOAD) -> dict[str, Any]:
    """Start an attachment; PUT ``body`` through the presigned URL unless it is None."""
    started = member.client.post(
        f"/api/v1/pocs/{poc_id}/attachments",
        {"filename": "notas.txt", "content_type": "text/plain", "size": len(PAYLOAD)},
        format="json",
    )
    assert started.status_code == 201, started.content
    attachment = dict(started.json())
    if body is not None:
        upload = attachment["upload"]
        put = requests.put(upload["url"], data=body, headers=upload["headers"], timeout=10)
        assert put.status_code == 200, put.text
    return attachment


def _keys(member: Member, prefix: str) -> list[str]:
    listing = s3_client().list_objects_v2(Bucket=bucket_name(member.tenant.id), Prefix=prefix)
    return [item["Key"] for item in listing.get("Contents", [])]


def _deleted_days_ago(member: Member, poc_id: str, days: float) -> None:
    """Backdate a deletion (a queryset update: no signal, the index is left as it was)."""
    with member.data():
        Poc.objects.filter(id=poc_id).update(deleted_at=timezone.now() - timedelta(days=days))


def _has_document(member: Member, poc_id: str) -> bool:
    return bool(client().exists(index=alias(), id=poc_id, routing=str(member.tenant.id)))


def test_deleted_pocs_past_the_restore_window_are_purged_with_files_and_documents_everywhere(
    alice, outsider, create_poc, indexed
):
    expired = create_poc(alice, name="Protótipo expirado")
    attachment = _upload(alice, expired["id"])
    completed = alice.client.post(
        f"/api/v1/pocs/{expired['id']}/attachments/{attachment['id']}/complete"
    )
    assert completed.status_code == 200
    # A stray object under the POC's prefix (a partial upload whose row is gone) goes too.
    s3_client().put_object(
        Bucket=bucket_name(alice.tenant.id), Key=f"pocs/{expired['id']}/stray/part", Body=b"x"
    )
    recent = create_poc(alice, name="Protótipo recente")
    live = create_poc(alice, name="Protótipo vivo")
    foreign = create_poc(outsider, name="Protótipo expirado de fora")
    indexed()
    assert _has_document(alice, expired["id"]) and _has_document(outsider, foreign["id"])

    # Expired: deleted 31 days ago, its document still in the index (as after an outage).
    _deleted_days_ago(alice, expired["id"], 31)
    _deleted_days_ago(outsider, foreign["id"], 40)
    # Recent: deleted through the API, 29 days ago: still restorable, never purged.
    assert alice.client.delete(f"/api/v1/pocs/{recent['id']}").status_code == 204
    indexed()
    _deleted_days_ago(alice, recent["id"], 29)

    dry = io.StringIO()
    call_command("purge_deleted_pocs", "--dry-run", stdout=dry)
    assert dry.getvalue().startswith(
        "would purge 2 POCs deleted more than 30 days ago in 2 organizations: "
        "1 attachments, 2 stored objects"
    )
    with alice.data():
        assert Poc.objects.filter(id=expired["id"]).exists()
    assert len(_keys(alice, f"pocs/{expired['id']}/")) == 2
    assert _has_document(alice, expired["id"])

    out = io.StringIO()
    call_command("purge_deleted_pocs", stdout=out)
    assert "purged 2 POCs" in out.getvalue() and "2 stored objects" in out.getvalue()

    with alice.data():
        assert set(Poc.objects.values_list("name", flat=True)) == {
            "Protótipo recente",
            "Protótipo vivo",
        }
        assert not Attachment.objects.filter(poc_id=expired["id"]).exists()
    with outsider.data():
        assert not Poc.objects.exists()
    assert _keys(alice, f"pocs/{expired['id']}/") == []
    client().indices.refresh(index=alias())
    assert not _has_document(alice, expired["id"])
    assert not _has_document(outsider, foreign["id"])
    assert _has_document(alice, live["id"])
    assert not PendingDocument.objects.exists()

    gone = alice.client.post(f"/api/v1/pocs/{expired['id']}/restore")
    assert gone.status_code == 404 and error_code(gone) == "poc_not_found"
    still = alice.client.post(f"/api/v1/pocs/{recent['id']}/restore")
    assert still.status_code == 200

    again = io.StringIO()
    call_command("purge_deleted_pocs", stdout=again)  # nothing left: idempotent
    assert again.getvalue().startswith("purged 0 POCs")


@pytest.mark.django_db
def test_uploads_never_completed_are_removed_after_the_grace_period_in_every_organization(
    alice, outsider, create_poc, settings
):
    settings.ATTACHMENT_UPLOAD_GRACE_HOURS = 24
    poc = create_poc(alice, name="Anexos")
    partial = _upload(alice, poc["id"], body=b"meio arquivo")  # never completed, object there
    never_sent = _upload(alice, poc["id"], body=None)  # never completed, no object
    fresh = _upload(alice, poc["id"], body=None)  # pending, within the grace period
    done = _upload(alice, poc["id"])
    assert (
        alice.client.post(f"/api/v1/pocs/{poc['id']}/attachments/{done['id']}/complete").status_code
        == 200
    )
    foreign_poc = create_poc(outsider, name="Anexos de fora")
    foreign = _upload(outsider, foreign_poc["id"], body=b"pela metade")
    old = timezone.now() - timedelta(hours=25)
    with alice.data():
        Attachment.objects.filter(id__in=[partial["id"], never_sent["id"], done["id"]]).update(
            created_at=old
        )
    with outsider.data():
        Attachment.objects.filter(id=foreign["id"]).update(created_at=old)

    assert remove_abandoned_uploads_task() == 3

    with alice.data():
        assert set(Attachment.objects.values_list("id", flat=True)) == {
            uuid_of(fresh),
            uuid_of(done),
        }
        done_key = Attachment.objects.get(id=done["id"]).key
    with outsider.data():
        assert not Attachment.objects.exists()
    remaining = _keys(alice, f"pocs/{poc['id']}/")
    assert remaining == [done_key]  # the partial object went, the completed file stayed
    assert _keys(outsider, f"pocs/{foreign_poc['id']}/") == []
    assert remove_abandoned_uploads_task() == 0


def uuid_of(attachment: dict[str, Any]) -> uuid.UUID:
    return uuid.UUID(attachment["id"])


def test_the_beat_schedules_both_sweeps_on_the_default_queue():
    schedule = {entry["task"]: entry for entry in celery_app.conf.beat_schedule.values()}
    for task in (PURGE_TASK, ABANDONED_UPLOADS_TASK):
        assert schedule[task]["options"]["queue"] == "pocs.default"
        assert schedule[task]["schedule"].total_seconds() > 0


@pytest.mark.django_db
def test_a_put_after_completion_is_removed_once_the_upload_url_has_expired(
    alice, create_poc, settings
):
    poc = create_poc(alice, name="Anexo concluído")
    done = _upload(alice, poc["id"])
    url = f"/api/v1/pocs/{poc['id']}/attachments/{done['id']}/complete"
    assert alice.client.post(url).status_code == 200
    upload = done["upload"]
    late = requests.put(upload["url"], data=b"x" * 4096, headers=upload["headers"], timeout=10)
    assert late.status_code == 200
    with alice.data():
        attachment = Attachment.objects.get(id=done["id"])
    assert sorted(_keys(alice, f"pocs/{poc['id']}/")) == sorted(
        [attachment.key, attachment.upload_key]
    )

    # Within the URL's lifetime the sweep leaves it (another PUT could follow).
    assert remove_abandoned_uploads_task() == 0
    assert len(_keys(alice, f"pocs/{poc['id']}/")) == 2

    with alice.data():
        Attachment.objects.filter(id=done["id"]).update(
            created_at=timezone.now()
            - timedelta(seconds=settings.ATTACHMENT_UPLOAD_URL_SECONDS + 1)
        )
    assert remove_abandoned_uploads_task() == 0  # no attachment removed, only the stray object
    assert _keys(alice, f"pocs/{poc['id']}/") == [attachment.key]
    with alice.data():
        assert Attachment.objects.get(id=done["id"]).upload_key == ""
    downloaded = alice.client.get(f"/api/v1/pocs/{poc['id']}/attachments/{done['id']}")
    assert requests.get(downloaded.json()["download"]["url"], timeout=10).content == PAYLOAD
