"""A dojo run in dojo reaches media's organization report, through the real services.

Media's own tests read dojo data from a stand-in serving dojo's internal
contract; this checks the chain for real: a dojo run over the WebSocket through
the gateway is listed by dojo's internal API, fetched by media with a service
token, and counted in the organization's report (no ``dojo_data_unavailable``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import time
from typing import Any

import requests
import websockets
from pypdf import PdfReader

from pocdex_shared.testing.dojo_client import DojoClient, WebsocketsTransport

from .conftest import GATEWAY, Gateway

WS_BASE = GATEWAY.replace("http://", "ws://").replace("https://", "wss://")


def _wait_job(gateway: Gateway, token: str, path: str, timeout: float = 240.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = gateway.get(path, token)
        assert response.status_code == 200, response.text
        if response.json()["status"] in {"succeeded", "failed"}:
            return dict(response.json())
        time.sleep(0.5)
    raise AssertionError(f"{path} not finished after {timeout}s")


async def _run_session(gateway: Gateway, token: str, dojo_id: str) -> None:
    ticket = gateway.post(f"/api/v1/dojos/{dojo_id}/ticket", None, token)
    assert ticket.status_code == 201, ticket.text
    socket = await websockets.connect(WS_BASE + ticket.json()["url"], open_timeout=30)
    client = DojoClient("Eva Owner")
    await client.attach(WebsocketsTransport(socket))
    try:
        started = gateway.post(f"/api/v1/dojos/{dojo_id}/start", None, token)
        assert started.status_code == 200, started.text
        await client.until(lambda frame: frame["type"] == "dojo_started", timeout=60)
        await client.edit(client.insert_at_end("def fizzbuzz(n):\n    return str(n)\n"))
        await client.settle(timeout=60)
    finally:
        await client.close()


def test_a_dojo_run_for_real_is_in_the_organizations_report(gateway):
    org = gateway.signup(organization_name="Dojo na Mídia", locale="en")
    token = org["tokens"]["access"]
    gateway.wait_active(token)
    for path in ("/api/v1/pocs", "/api/v1/dojos", "/api/v1/reports"):
        gateway.wait_served(token, path)
    year = dt.date.today().year
    poc = gateway.post(
        "/api/v1/pocs",
        {"name": "Randori de Go", "languages": ["go"], "started_on": f"{year}-01-02"},
        token,
    )
    assert poc.status_code == 201, poc.text
    scheduled = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    dojo = gateway.post(
        "/api/v1/dojos",
        {
            "title": "Randori de Go",
            "language": "Go",
            "rotation_minutes": 5,
            "scheduled_at": scheduled,
        },
        token,
    )
    assert dojo.status_code == 201, dojo.text
    dojo_id = dojo.json()["id"]
    asyncio.run(_run_session(gateway, token, dojo_id))
    ended = gateway.post(f"/api/v1/dojos/{dojo_id}/end", None, token)
    assert ended.status_code == 200, ended.text

    report = gateway.post(
        "/api/v1/reports",
        {
            "scope": "organization",
            "from": f"{year}-01-01",
            "to": dt.date.today().isoformat(),
            "language": "en",
            "formats": ["pdf"],
        },
        token,
    )
    assert report.status_code == 202, report.text
    job = _wait_job(gateway, token, f"/api/v1/reports/{report.json()['id']}")
    assert job["status"] == "succeeded", job
    assert job["warnings"] == []  # dojo answered
    entry = next(f for f in job["files"] if f["format"] == "pdf")
    pdf = requests.get(entry["url"], timeout=60)
    pdf.raise_for_status()
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    text = " ".join(" ".join(page.extract_text() or "" for page in pages).split())
    assert "Dojo sessions 1" in text  # this dojo, read from dojo by media
    assert "Eva Owner" in text  # its participant
