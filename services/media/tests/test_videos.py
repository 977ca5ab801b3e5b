"""Video jobs: ffprobe checks of every video produced, leaving POCs out, dojo data or its absence."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from PIL import Image

from jobs import sources
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
    worker, broker, owner, add_poc, tmp_path, settings
):
    # dojo not deployed: pocs answers 404 for dojo's route, as a missing route does.
    settings.DOJO_URL = settings.POCS_URL
    kept = [
        add_poc(
            owner,
            name=f"Prova nº {i} — integração com ação",
            day=dt.date(2025, 1 + i, 5),
            languages=["Kotlin", "Swift"],
            tags=["mobile"],
        )
        for i in range(5)
    ]
    left_out = add_poc(owner, name="Segredo", day=dt.date(2025, 6, 1))
    response = owner.client.post(
        "/api/v1/videos",
        {"year": 2025, "format": "square", "language": "pt-br", "exclude": [left_out["id"]]},
        format="json",
    )
    assert response.status_code == 202, response.content
    job, progress = wait_for_job(owner, f"/api/v1/videos/{response.json()['id']}")
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
    worker, owner, alice, add_poc, add_dojo, tmp_path
):
    # A dojo that started now, so the video is of this year; the POCs started in it.
    today = dt.date.today()
    year = today.year
    for index in range(9):
        day = max(dt.date(year, 1, 1), today - dt.timedelta(days=30 * index))
        add_poc(alice if index % 2 else owner, day=day, languages=["Go"])
    add_dojo([owner, alice], title="Randori de Go", language="Go")
    # What media reads from dojo: this dojo, both of them in it.
    dojos = sources.fetch_dojos(
        tenant_id=owner.tenant.id,
        participant=None,
        start=dt.date(year, 1, 1),
        end=dt.date(year, 12, 31),
    )
    assert dojos is not None and [d.title for d in dojos] == ["Randori de Go"]
    assert {p.user_id for p in dojos[0].participants} == {str(owner.id), str(alice.id)}
    response = owner.client.post(
        "/api/v1/videos",
        {"year": year, "scope": "organization", "format": "vertical", "language": "en"},
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
