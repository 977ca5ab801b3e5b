"""Error reports: the SDK posts envelopes to a local endpoint given as the DSN (ADR 0040).

The endpoint is a small HTTP server in this module that stores what the SDK
sends; requests go through the real middleware stack, token authentication
and the JSON error handler of ``tests.settings``.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import uuid
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk
from django.test import Client, override_settings

from pocdex_shared import sentry
from tests.conftest import SERVICE_QUEUE, Broker, MakeTenant, celery_app
from tests.keys import access_token, bearer

pytestmark = pytest.mark.django_db

EMAIL = "eva.owner@example.com"
OWNER_NAME = "Eva Ownerton"
SESSION_COOKIE = "s3ss10n-cookie-value"


def parse_envelope(body: bytes) -> list[tuple[dict[str, Any], bytes]]:
    """The items of a Sentry envelope: (item header, payload) pairs."""
    lines = body.split(b"\n", 1)
    rest = lines[1] if len(lines) > 1 else b""
    items = []
    while rest.strip():
        header_line, _, rest = rest.partition(b"\n")
        header = json.loads(header_line)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] + 1 :]
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((header, payload))
    return items


class SentryEndpoint:
    """Accepts ``POST /api/<project>/envelope/`` and keeps the events it carried."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.received = threading.Condition()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = (self.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                with endpoint.received:
                    endpoint.raw.append(body)
                    for header, payload in parse_envelope(body):
                        if header.get("type") == "event":
                            endpoint.events.append(json.loads(payload))
                    endpoint.received.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://public-key@127.0.0.1:{self.server.server_address[1]}/42"

    def wait_events(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        sentry_sdk.flush(timeout=timeout)
        with self.received:
            self.received.wait_for(lambda: len(self.events) >= count, timeout=timeout)
            return list(self.events)


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[SentryEndpoint]:
    endpoint = SentryEndpoint()
    endpoint.thread.start()
    monkeypatch.setenv("SENTRY_DSN", endpoint.dsn)
    assert sentry.setup("shared-tests") is True
    yield endpoint
    sentry_sdk.flush(timeout=5)
    sentry_sdk.init()  # no DSN: the SDK sends nothing for the other tests
    endpoint.server.shutdown()
    endpoint.server.server_close()


def fail_as(client: Client, tenant: Any, request_id: str) -> int:
    client.cookies["sessionid"] = SESSION_COOKIE
    response = client.post(
        "/fail",
        data={"email": EMAIL, "owner_name": OWNER_NAME},
        content_type="application/json",
        HTTP_X_REQUEST_ID=request_id,
        **bearer(access_token(tenant_id=tenant.id)),
    )
    return response.status_code


@override_settings(ROOT_URLCONF="tests.sentry_urls")
def test_an_error_is_reported_with_tenant_and_request_id_tags_and_no_personal_data(
    endpoint: SentryEndpoint, make_tenant: MakeTenant
) -> None:
    acme, globex = make_tenant("acme"), make_tenant("globex")
    client = Client(raise_request_exception=False)

    assert fail_as(client, acme, "req-acme-1") == 500
    assert fail_as(client, globex, "req-globex-1") == 500
    events = endpoint.wait_events(2)

    errors = [e for e in events if e.get("exception")]
    assert len(errors) == 2
    tags = [(e["tags"]["tenant"], e["tags"]["request_id"], e["tags"]["service"]) for e in errors]
    assert sorted(tags) == [
        ("acme", "req-acme-1", "shared-tests"),
        ("globex", "req-globex-1", "shared-tests"),
    ]
    for event in errors:
        (exception,) = event["exception"]["values"]
        assert exception["type"] == "RuntimeError"
        assert exception["value"] == "could not invite [email]"
        assert "user" not in event
        assert "data" not in event.get("request", {})
        assert "cookies" not in event.get("request", {})
    sent = b"".join(endpoint.raw).decode()
    for personal in (EMAIL, OWNER_NAME, SESSION_COOKIE, "Bearer "):
        assert personal not in sent


def test_scrub_event_filters_credentials_names_and_emails_but_not_the_runtime() -> None:
    event = {
        "message": f"mail to {EMAIL} bounced",
        "user": {"id": str(uuid.uuid4()), "email": EMAIL},
        "request": {
            "headers": {"Authorization": "Bearer abc.def", "X-Request-ID": "r1"},
            "cookies": {"sessionid": SESSION_COOKIE},
            "data": {"email": EMAIL},
            "query_string": f"email={EMAIL}",
        },
        "extra": {"owner_name": OWNER_NAME, "count": 3},
        "breadcrumbs": {"values": [{"message": f"login {EMAIL}", "data": {"name": OWNER_NAME}}]},
        "contexts": {"runtime": {"name": "CPython"}},
        "sdk": {"name": "sentry.python"},
    }

    scrubbed = sentry.scrub_event(event)

    assert "user" not in scrubbed
    assert scrubbed["message"] == "mail to [email] bounced"
    assert scrubbed["request"] == {
        "headers": {"Authorization": sentry.FILTERED, "X-Request-ID": "r1"},
        "query_string": "email=[email]",
    }
    assert scrubbed["extra"] == {"owner_name": sentry.FILTERED, "count": 3}
    assert scrubbed["breadcrumbs"]["values"][0] == {
        "message": "login [email]",
        "data": {"name": sentry.FILTERED},
    }
    assert scrubbed["contexts"] == {"runtime": {"name": "CPython"}}
    assert scrubbed["sdk"] == {"name": "sentry.python"}


def test_without_a_dsn_nothing_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    assert sentry.setup("shared-tests") is False


# A real worker process as ``celery -A config worker`` runs it (prefork pool), with
# the DSN in its environment; the task is defined where the worker builds its app.
WORKER = """
import django
django.setup()
from pocdex_shared.events.celery import create_app

app = create_app("shared-tests")


@app.task(name="tests.sentry.fails")
def fails(email):
    raise LookupError(f"no account for {email}")


app.worker_main(["worker", "--pool=prefork", "--concurrency=1", "--queues=%s",
                 "--without-heartbeat", "--without-mingle", "--without-gossip",
                 "--loglevel=WARNING"])
"""


@pytest.mark.django_db(transaction=True)
def test_a_failing_task_of_a_prefork_worker_is_reported_without_personal_data(
    endpoint: SentryEndpoint, broker: Broker
) -> None:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "SENTRY_DSN": endpoint.dsn,
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER % SERVICE_QUEUE],
        env=environment,
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        celery_app.send_task("tests.sentry.fails", args=[EMAIL], queue=SERVICE_QUEUE)
        with endpoint.received:
            endpoint.received.wait_for(
                lambda: any(e.get("exception") for e in endpoint.events), timeout=60
            )
    finally:
        worker.send_signal(signal.SIGTERM)
        _, errors = worker.communicate(timeout=60)

    events = [e for e in endpoint.events if e.get("exception")]
    assert len(events) == 1, errors.decode()[-2000:]
    (exception,) = events[0]["exception"]["values"]
    assert exception["type"] == "LookupError"
    assert exception["value"] == "no account for [email]"
    assert events[0]["tags"]["service"] == "shared-tests"
    assert events[0]["tags"]["celery_task_id"]
    assert EMAIL not in b"".join(endpoint.raw).decode()
