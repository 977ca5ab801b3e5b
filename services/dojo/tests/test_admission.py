"""The bound on HTTP requests served at once by one daphne instance (dojos.admission)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dojos.admission import AdmissionBound


class Held:
    """An inner application whose requests run until released, one by one."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.release: dict[str, asyncio.Event] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        name = scope["path"]
        self.started.append(name)
        event = self.release.setdefault(name, asyncio.Event())
        await event.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": name.encode()})


class Sent:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def __call__(self, message: dict[str, Any]) -> None:
        self.messages.append(message)

    @property
    def status(self) -> int | None:
        starts = [m for m in self.messages if m["type"] == "http.response.start"]
        return starts[0]["status"] if starts else None

    def headers(self) -> dict[bytes, bytes]:
        return dict(self.messages[0]["headers"])

    def body(self) -> Any:
        return json.loads(b"".join(m.get("body", b"") for m in self.messages[1:]))


def http(path: str, language: str | None = None) -> dict[str, Any]:
    headers = [(b"accept-language", language.encode())] if language else []
    return {"type": "http", "path": path, "headers": headers}


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def settle() -> None:
    for _ in range(50):  # every ready task runs; nothing here waits on time
        await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_requests_beyond_the_bound_wait_their_turn_and_beyond_the_backlog_are_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="dojos.admission")
    inner = Held()
    now = [100.0]
    bound = AdmissionBound(inner, concurrency=2, backlog=1, clock=lambda: now[0])
    sent = {name: Sent() for name in ("/a", "/b", "/c", "/d")}
    tasks = {}
    for name in ("/a", "/b", "/c", "/d"):
        tasks[name] = asyncio.create_task(bound(http(name), receive, sent[name]))
        await settle()
    assert inner.started == ["/a", "/b"]  # two at once
    assert (bound.running, bound.waiting, bound.refused) == (2, 1, 1)
    # The fourth is answered at once, in the error contract's shape.
    assert tasks["/d"].done()
    assert sent["/d"].status == 503
    assert sent["/d"].headers()[b"retry-after"] == b"1"
    assert sent["/d"].headers()[b"content-type"] == b"application/json"
    error = sent["/d"].body()["error"]
    assert error["code"] == "server_busy"
    assert error["message"] == "The service is busy right now. Try again in a moment."
    # Reported once, not per request refused (a storm is thousands).
    await bound(http("/e"), receive, Sent())
    assert bound.refused == 2
    now[0] += 0.5
    await bound(http("/f"), receive, Sent())
    assert bound.refused == 3
    assert [r.getMessage() for r in caplog.records] == [
        "HTTP requests refused: 1 so far; 2 running, 1 waiting"
    ]
    now[0] += 1.0  # a second later, the next refusal reports the count
    await bound(http("/g"), receive, Sent())
    assert [r.getMessage() for r in caplog.records][-1] == (
        "HTTP requests refused: 4 so far; 2 running, 1 waiting"
    )
    # A request done lets the waiting one in; none was lost.
    inner.release["/a"].set()
    await settle()
    assert inner.started == ["/a", "/b", "/c"]
    for name in ("/b", "/c"):
        inner.release[name].set()
    await asyncio.gather(*tasks.values())
    assert [sent[name].status for name in ("/a", "/b", "/c")] == [200, 200, 200]
    assert (bound.running, bound.waiting) == (0, 0)


@pytest.mark.asyncio
async def test_the_refusal_speaks_the_clients_language() -> None:
    inner = Held()
    bound = AdmissionBound(inner, concurrency=1, backlog=0)
    first = asyncio.create_task(bound(http("/a"), receive, Sent()))
    await settle()
    refused = Sent()
    await bound(http("/b", "pt-BR,pt;q=0.9,en;q=0.5"), receive, refused)
    assert refused.status == 503
    assert refused.body()["error"] == {
        "code": "server_busy",
        "message": "O serviço está ocupado agora. Tente de novo em instantes.",
    }
    inner.release["/a"].set()
    await first


@pytest.mark.asyncio
async def test_a_waiting_request_whose_client_left_gives_its_place_up() -> None:
    inner = Held()
    bound = AdmissionBound(inner, concurrency=1, backlog=1)
    first = asyncio.create_task(bound(http("/a"), receive, Sent()))
    await settle()
    waiting = asyncio.create_task(bound(http("/b"), receive, Sent()))
    await settle()
    assert bound.waiting == 1
    waiting.cancel()
    await settle()
    assert waiting.cancelled() and bound.waiting == 0
    third = Sent()
    later = asyncio.create_task(bound(http("/c"), receive, third))
    await settle()
    assert third.status is None and bound.refused == 0  # waiting, not refused
    inner.release["/a"].set()
    await settle()
    assert inner.started == ["/a", "/c"]  # the one that left never ran
    inner.release["/c"].set()
    await asyncio.gather(first, later)
    assert third.status == 200


@pytest.mark.asyncio
async def test_websockets_are_not_counted() -> None:
    seen: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    bound = AdmissionBound(app, concurrency=1, backlog=0)
    await asyncio.gather(*(bound({"type": "websocket"}, receive, Sent()) for _ in range(5)))
    assert seen == ["websocket"] * 5 and bound.refused == 0


def test_the_service_serves_http_through_the_bound_its_settings_give() -> None:
    from django.conf import settings

    import config.asgi

    http_app = config.asgi.application.application_mapping["http"]
    assert isinstance(http_app, AdmissionBound)
    assert http_app.app is config.asgi.django_asgi_app
    assert (http_app.concurrency, http_app.backlog) == (
        settings.DOJO_HTTP_CONCURRENCY,
        settings.DOJO_HTTP_BACKLOG,
    )


def test_a_bound_that_would_serve_nothing_is_refused() -> None:
    with pytest.raises(ValueError):
        AdmissionBound(Held(), concurrency=0, backlog=10)


@pytest.mark.parametrize(
    ("variable", "value"), [("DOJO_HTTP_CONCURRENCY", "0"), ("DOJO_HTTP_BACKLOG", "-1")]
)
def test_settings_that_would_serve_nothing_stop_the_service(variable: str, value: str) -> None:
    service = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=service,
        env={**os.environ, "PYTHONPATH": str(service), variable: value},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and variable in done.stderr
    # The same process starts with a sane value.
    fine = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=service,
        env={**os.environ, "PYTHONPATH": str(service), variable: "5"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert fine.returncode == 0, fine.stderr[-2000:]
