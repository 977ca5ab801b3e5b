"""Small helpers of the media tests: waiting for jobs, downloading files, reading events."""

from __future__ import annotations

import base64
import io
import json
import time
from typing import Any

import requests
from pypdf import PdfReader


def wait_for_job(
    member: Any, path: str, *, timeout: float = 90.0
) -> tuple[dict[str, Any], list[int]]:
    """Poll a job until it is finished; returns it and every progress value seen."""
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = member.client.get(path).json()
        seen.append(body["progress"])
        if body["status"] in {"succeeded", "failed"}:
            return body, seen
        time.sleep(0.1)
    raise AssertionError(f"job {path} did not finish in {timeout}s (progress {seen[-5:]})")


def download(job: dict[str, Any], file_format: str) -> bytes:
    entry = next(f for f in job["files"] if f["format"] == file_format)
    response = requests.get(entry["url"], timeout=30)
    response.raise_for_status()
    assert len(response.content) == entry["size"]
    return response.content


def pdf_text(raw: bytes) -> str:
    reader = PdfReader(io.BytesIO(raw))
    # Table cells come out one per line: compare text with single spaces.
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def queued_events(broker: Any, queue: str = "accounts.events") -> list[dict[str, Any]]:
    found = []
    for raw in broker.lrange(queue, 0, -1):
        message = json.loads(raw)
        body = json.loads(base64.b64decode(message["body"]))
        found.append(body[0][0])
    return found
