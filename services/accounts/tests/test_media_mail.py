"""A finished media job reaches its requester by mail, in their language, once."""

from __future__ import annotations

import uuid

from django.conf import settings

from config.celery import app as celery_app
from identity.models import User
from pocdex_shared.events.names import HANDLE_TASK
from pocdex_shared.testing.celery import drain

from .conftest import ACCOUNTS_QUEUES


def _completed(org: dict, user_id: str, **payload) -> dict:
    job_id = str(uuid.uuid4())
    return {
        "id": str(uuid.uuid4()),
        "topic": "media.job.completed",
        "producer": "media",
        "tenant_id": org["organization"]["id"],
        "occurred_at": "2026-01-01T00:00:00+00:00",
        "payload": {
            "job_id": job_id,
            "kind": "video",
            "status": "succeeded",
            "tenant_id": org["organization"]["id"],
            "user_id": user_id,
            "scope": "me",
            "language": "pt-br",
            "params": {"year": 2025, "format": "vertical", "exclude": []},
            "automatic": False,
            "warnings": ["dojo_data_unavailable"],
            "error_code": "",
            "path": f"/api/v1/videos/{job_id}",
            **payload,
        },
    }


def _send(envelope: dict) -> None:
    celery_app.send_task(
        HANDLE_TASK, args=[envelope], queue="accounts.events", headers={"_schema_name": "public"}
    )


def test_the_requester_gets_a_mail_in_their_language_when_a_video_is_ready(worker, signup, mailbox):
    email = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    org = signup(email=email, locale="pt-BR")
    user = User.objects.get(email=email)
    envelope = _completed(org, str(user.id))
    _send(envelope)
    _send(envelope)  # delivered twice: one mail
    message = mailbox.wait_for(to=email, subject_contains="retrospectiva de 2025")
    assert envelope["payload"]["path"] in message["text"]
    assert "Os dados de dojos não estavam disponíveis" in message["text"]
    drain(settings.CELERY_BROKER_URL, queues=ACCOUNTS_QUEUES)
    assert len([m for m in mailbox.messages_to(email) if "retrospectiva" in m["subject"]]) == 1


def test_an_english_report_mail_and_no_mail_for_someone_outside_the_organization(
    worker, signup, mailbox
):
    email = f"olga-{uuid.uuid4().hex[:8]}@example.com"
    org = signup(email=email, locale="en")
    user = User.objects.get(email=email)
    other = signup()
    stranger = User.objects.get(email=other["email"])
    _send(_completed(org, str(stranger.id)))  # not a member of org: nothing is sent
    report = {
        "kind": "report",
        "params": {"from": "2026-01-01", "to": "2026-01-31", "formats": ["pdf"]},
        "automatic": True,
        "warnings": [],
    }
    _send(_completed(org, str(user.id), **report))
    message = mailbox.wait_for(to=email, subject_contains="POC report is ready")
    assert "monthly report" in message["text"] and "2026-01-01 to 2026-01-31" in message["text"]
    drain(settings.CELERY_BROKER_URL, queues=ACCOUNTS_QUEUES)
    assert all("ready" not in m["subject"] for m in mailbox.messages_to(other["email"]))
