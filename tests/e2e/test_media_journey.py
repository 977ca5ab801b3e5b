"""Issue 5's journey through the gateway: POCs in pocs, then a report and a video from media.

A member of a fresh organization registers POCs, requests a PDF/CSV report and
a year-in-review video, watches their progress, downloads a playable MP4 and a
correct PDF through the presigned links, and gets the "ready" mails; another
organization can read neither the jobs nor the files.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import time
from typing import Any

import requests
from pypdf import PdfReader


def _wait(
    gateway: Any, token: str, path: str, timeout: float = 240.0
) -> tuple[dict[str, Any], list[int]]:
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = gateway.get(path, token)
        assert response.status_code == 200, response.text
        job = response.json()
        seen.append(job["progress"])
        if job["status"] in {"succeeded", "failed"}:
            return dict(job), seen
        time.sleep(0.5)
    raise AssertionError(f"{path} not finished after {timeout}s: progress {seen[-5:]}")


def _post(gateway: Any, path: str, body: dict[str, Any], token: str) -> requests.Response:
    """POST, waiting out ``tenant_not_ready``: each service learns "active" by an event."""
    deadline = time.monotonic() + 20
    while True:
        response = gateway.post(path, body, token)
        if response.status_code not in (403, 503) or "tenant_not_ready" not in response.text:
            return response
        assert time.monotonic() < deadline, response.text
        time.sleep(0.2)


def _file(job: dict[str, Any], file_format: str) -> bytes:
    entry = next(f for f in job["files"] if f["format"] == file_format)
    response = requests.get(entry["url"], timeout=60)
    response.raise_for_status()
    return response.content


def test_a_member_gets_a_report_and_a_playable_year_in_review(gateway, mailbox, tmp_path):
    org = gateway.signup(organization_name="Mídia Ágil", locale="en")
    token = org["tokens"]["access"]
    gateway.wait_active(token)
    # Each service learns that the organization is active a moment after accounts.
    gateway.wait_served(token, "/api/v1/pocs")
    gateway.wait_served(token, "/api/v1/reports")
    today = dt.date.today()
    year = today.year
    names = ["Migração para filas gRPC", "Busca offline no app", "Relatórios com ReportLab"]
    for index, (name, language) in enumerate(zip(names, ["go", "kotlin", "python"], strict=True)):
        body = {
            "name": name,
            "languages": [language],
            "tags": ["media-e2e"],
            "status": "done",
            "started_on": dt.date(year, 1, 1 + index).isoformat(),
        }
        response = _post(gateway, "/api/v1/pocs", body, token)
        assert response.status_code == 201, response.text

    report = _post(
        gateway,
        "/api/v1/reports",
        {"scope": "me", "from": f"{year}-01-01", "to": today.isoformat(), "language": "en"},
        token,
    )
    assert report.status_code == 202, report.text
    again = gateway.post(
        "/api/v1/reports",
        {"scope": "me", "from": f"{year}-01-01", "to": today.isoformat(), "language": "en"},
        token,
    )
    assert again.status_code == 200 and again.json()["id"] == report.json()["id"]
    video = gateway.post(
        "/api/v1/videos", {"year": year, "format": "square", "language": "pt-br"}, token
    )
    assert video.status_code == 202, video.text

    report_job, _ = _wait(gateway, token, f"/api/v1/reports/{report.json()['id']}")
    assert report_job["status"] == "succeeded", report_job
    text = " ".join(
        " ".join(
            p.extract_text() or "" for p in PdfReader(io.BytesIO(_file(report_job, "pdf"))).pages
        ).split()
    )
    assert "POCs in the period 3" in text and "Go 1" in text and "Kotlin 1" in text
    assert all(name in text for name in names)
    assert _file(report_job, "csv").decode("utf-8-sig").count("media-e2e") == 3

    video_job, progress = _wait(gateway, token, f"/api/v1/videos/{video.json()['id']}")
    assert video_job["status"] == "succeeded", video_job
    assert (
        progress == sorted(progress) and len(set(progress)) > 2
    )  # progress was visible while rendering
    mp4 = tmp_path / "year.mp4"
    mp4.write_bytes(_file(video_job, "mp4"))
    info = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(mp4)],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    streams = {s["codec_type"]: s for s in info["streams"]}
    assert streams["video"]["codec_name"] == "h264" and streams["video"]["profile"] == "High"
    assert streams["video"]["level"] <= 41 and streams["video"]["pix_fmt"] == "yuv420p"
    assert (streams["video"]["width"], streams["video"]["height"]) == (1080, 1080)
    assert streams["audio"]["codec_name"] == "aac"
    assert 0 < float(info["format"]["duration"]) <= 90
    # Playable: ffmpeg decodes every frame without an error.
    decoded = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(mp4), "-f", "null", "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    assert decoded.stderr == ""

    mailbox.wait_for(to=org["email"], subject_contains="POC report is ready", timeout=30)
    mailbox.wait_for(
        to=org["email"], subject_contains=f"{year} year in review is ready", timeout=30
    )

    other = gateway.signup()
    other_token = other["tokens"]["access"]
    gateway.wait_active(other_token)
    # Media learns that the new organization is active a moment after accounts says so.
    gateway.wait_served(other_token, "/api/v1/reports")
    assert gateway.get(f"/api/v1/videos/{video_job['id']}", other_token).status_code == 404
    assert gateway.get("/api/v1/reports", other_token).json()["results"] == []
