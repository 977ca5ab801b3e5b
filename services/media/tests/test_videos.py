"""Video jobs: ffprobe checks of every video produced, leaving POCs out, dojo data or its absence."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from PIL import Image

from rendering.probe import delivery_problems, probe

from .helpers import download, queued_events, wait_for_job

pytestmark = pytest.mark.slow


def _check_mp4(raw: bytes, tmp_path, *, size: tuple[int, int], duration: float) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.mp4"
    path.write_bytes(raw)
    facts = probe(path)
    assert delivery_problems(facts) == [], facts
    assert (facts.codec, facts.profile, facts.pix_fmt, facts.audio_codec) == (
        "h264",
        "High",
        "yuv420p",
        "aac",
    )
    assert 0 < facts.level <= 41 and facts.faststart
    assert (facts.width, facts.height) == size
    assert facts.duration <= 90 and abs(facts.duration - duration) < 0.15


def test_square_video_leaves_out_chosen_pocs_and_meets_the_delivery_rules(
    worker, broker, alice, add_poc, tmp_path
):
    kept = [
        add_poc(
            alice,
            name=f"Prova nº {i} — integração com ação",
            day=dt.date(2025, 1 + i, 5),
            languages=["Kotlin", "Swift"],
            tags=["mobile"],
        )
        for i in range(5)
    ]
    left_out = add_poc(alice, name="Segredo", day=dt.date(2025, 6, 1))
    response = alice.client.post(
        "/api/v1/videos",
        {"year": 2025, "format": "square", "language": "pt-br", "exclude": [left_out["id"]]},
        format="json",
    )
    assert response.status_code == 202, response.content
    job, progress = wait_for_job(alice, f"/api/v1/videos/{response.json()['id']}")
    assert job["status"] == "succeeded", job
    assert progress == sorted(progress) and job["progress"] == 100
    assert job["details"]["pocs"] == len(kept)
    assert job["parameters"]["exclude"] == [left_out["id"]]
    assert job["warnings"] == ["dojo_data_unavailable"]
    assert job["details"]["scenes"][:5] == ["intro", "totals", "languages", "tags", "months"]
    assert job["details"]["scenes"][-2:] == ["dojos", "outro"]
    _check_mp4(
        download(job, "mp4"),
        tmp_path,
        size=(1080, 1080),
        duration=job["details"]["duration_seconds"],
    )
    thumbnail = Image.open(io.BytesIO(download(job, "thumbnail")))
    assert thumbnail.format == "JPEG" and thumbnail.size == (540, 540)
    events = [e for e in queued_events(broker) if e["topic"] == "media.job.completed"]
    assert [e["payload"]["job_id"] for e in events] == [job["id"]]


def test_vertical_organization_video_with_dojo_data(
    worker, owner, alice, add_poc, fake_services, tmp_path
):
    fake_services.dojo_enabled = True
    for index in range(9):
        add_poc(alice if index % 2 else owner, day=dt.date(2025, 1 + index, 10), languages=["Go"])
    fake_services.dojos[str(owner.tenant.id)] = [
        {
            "id": str(uuid.uuid4()),
            "title": "Randori de Go",
            "language": "Go",
            "status": "ended",
            "started_at": "2025-04-01T18:00:00Z",
            "ended_at": "2025-04-01T19:30:00Z",
            "poc_id": None,
            "participants": [
                {
                    "user_id": str(alice.id),
                    "name": alice.name,
                    "seconds_as_piloto": 900,
                    "rotations": 3,
                },
                {
                    "user_id": str(owner.id),
                    "name": owner.name,
                    "seconds_as_piloto": 600,
                    "rotations": 2,
                },
            ],
            "operations": 120,
            "messages": 14,
        }
    ]
    response = owner.client.post(
        "/api/v1/videos",
        {"year": 2025, "scope": "organization", "format": "vertical", "language": "en"},
        format="json",
    )
    assert response.status_code == 202, response.content
    job, _ = wait_for_job(owner, f"/api/v1/videos/{response.json()['id']}")
    assert job["status"] == "succeeded" and job["warnings"] == []
    assert job["details"]["pocs"] == 9
    assert [s for s in job["details"]["scenes"] if s.startswith("cards_")] == [
        "cards_1",
        "cards_2",
        "cards_3",
    ]
    _check_mp4(
        download(job, "mp4"),
        tmp_path,
        size=(1080, 1920),
        duration=job["details"]["duration_seconds"],
    )
    assert any("/dojos?" in call for call in fake_services.calls)
