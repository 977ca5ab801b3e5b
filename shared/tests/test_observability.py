"""JSON logs, request context and metrics, through real requests and real processes."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from pytest_django.fixtures import Settings as SettingsWrapper

from pocdex_shared.observability import (
    JsonFormatter,
    MetricsMiddleware,
    RequestContextMiddleware,
    bind_request_context,
    clear_request_context,
    current_context,
    logging_config,
    set_tenant,
    set_user,
)

SHARED_DIR = Path(__file__).resolve().parent.parent
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
METRICS = "pocdex_shared.observability.MetricsMiddleware"
EMPTY_CONTEXT = {"request_id": None, "tenant": None, "trace_id": None, "user": None}


class JsonLines:
    """Collects what a JsonFormatter writes for some loggers, one dict per line."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def lines(self) -> list[dict[str, object]]:
        raw = self.stream.getvalue().splitlines()
        return [json.loads(line) for line in raw]

    def messages(self) -> list[object]:
        return [line["message"] for line in self.lines]


@pytest.fixture
def json_logs() -> Iterator[JsonLines]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(service="pocs"))
    loggers = [logging.getLogger(n) for n in ("tests.b", "django.request", "pocdex.access")]
    previous = [(lg.level, lg.propagate) for lg in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield JsonLines(stream)
    for logger, (level, _propagate) in zip(loggers, previous, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)
    clear_request_context()


@pytest.fixture
def metrics_middleware(settings: SettingsWrapper) -> None:
    settings.MIDDLEWARE = [METRICS, *settings.MIDDLEWARE]


# ------------------------------------------------------------------ formatter


def test_log_line_is_one_json_object_with_the_request_context(json_logs: JsonLines) -> None:
    bind_request_context(request_id="req-1", trace_id=TRACE_ID)
    set_tenant("acme")
    set_user("user-7")

    logging.getLogger("tests.b").info("saved %s\nsecond line", "poc", extra={"poc_id": "p-1"})

    assert json_logs.stream.getvalue().count("\n") == 1
    [line] = json_logs.lines
    assert line["message"] == "saved poc\nsecond line"
    assert line["level"] == "INFO"
    assert line["logger"] == "tests.b"
    assert line["service"] == "pocs"
    assert line["request_id"] == "req-1"
    assert line["trace_id"] == TRACE_ID
    assert line["tenant"] == "acme"
    assert line["user"] == "user-7"
    assert line["poc_id"] == "p-1"
    assert str(line["ts"]).endswith("Z")
    datetime.fromisoformat(str(line["ts"]).replace("Z", "+00:00"))


def test_exceptions_are_logged_with_their_traceback(json_logs: JsonLines) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("tests.b").exception("it failed")

    [line] = json_logs.lines
    assert line["level"] == "ERROR"
    assert "Traceback" in str(line["exc_info"])
    assert "ValueError: boom" in str(line["exc_info"])


def test_values_json_cannot_encode_are_written_as_text(json_logs: JsonLines) -> None:
    poc_id = uuid.uuid4()

    logging.getLogger("tests.b").warning("odd", extra={"poc": poc_id, "when": datetime(2026, 1, 2)})

    [line] = json_logs.lines
    assert line["poc"] == str(poc_id)
    assert line["when"] == "2026-01-02 00:00:00"


def test_a_circular_extra_does_not_lose_the_line(json_logs: JsonLines) -> None:
    loop: dict[str, object] = {}
    loop["self"] = loop

    logging.getLogger("tests.b").info("still logged", extra={"loop": loop})

    [line] = json_logs.lines
    assert line["message"] == "still logged"
    assert "loop" not in line


def test_outside_a_request_the_context_fields_are_null(json_logs: JsonLines) -> None:
    clear_request_context()

    logging.getLogger("tests.b").info("from a management command")

    [line] = json_logs.lines
    assert {key: line[key] for key in EMPTY_CONTEXT} == EMPTY_CONTEXT


def test_logging_config_makes_a_process_log_json_to_stdout() -> None:
    script = (
        "import logging, logging.config\n"
        "from pocdex_shared.observability import logging_config\n"
        "logging.config.dictConfig(logging_config('dojo', level='debug'))\n"
        "logging.getLogger('dojo.sessions').debug('rotated %s', 'pilot')\n"
        "logging.getLogger('django').info('from django')\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )

    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["logger"], line["message"]) for line in lines] == [
        ("dojo.sessions", "rotated pilot"),
        ("django", "from django"),
    ]
    assert {line["service"] for line in lines} == {"dojo"}
    assert result.stderr == ""


def test_logging_config_is_valid_for_django() -> None:
    config = logging_config("accounts")

    assert config["formatters"]["json"]["service"] == "accounts"
    assert config["root"]["level"] == "INFO"


# ------------------------------------------------------------------ request context


def test_request_id_from_the_caller_is_kept_and_echoed(json_logs: JsonLines) -> None:
    response = Client().get(
        "/_b/plain/logs", HTTP_X_REQUEST_ID="mobile-42.a_b", HTTP_TRACEPARENT=TRACEPARENT
    )

    assert response["X-Request-ID"] == "mobile-42.a_b"
    [view_line] = [line for line in json_logs.lines if line["logger"] == "tests.b.views"]
    assert view_line["request_id"] == "mobile-42.a_b"
    assert view_line["trace_id"] == TRACE_ID
    assert view_line["poc"] == "p-1"


@pytest.mark.parametrize(
    "sent",
    ["", "has space", "new\nline", "x" * 129, '{"json":1}', "ação"],
    ids=["empty", "space", "newline", "too-long", "json", "non-ascii"],
)
def test_unsafe_request_ids_are_replaced_by_a_fresh_one(sent: str) -> None:
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=sent)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_each_request_without_an_id_gets_its_own() -> None:
    client = Client()

    first, second = client.get("/healthz"), client.get("/healthz")

    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize(
    "traceparent",
    [
        "garbage",
        f"00-{'0' * 32}-00f067aa0ba902b7-01",
        f"00-{TRACE_ID}-{'0' * 16}-01",
        f"ff-{TRACE_ID}-00f067aa0ba902b7-01",
        f"00-{TRACE_ID.upper()}-00f067aa0ba902b7-01",
    ],
    ids=["garbage", "zero-trace", "zero-parent", "version-ff", "upper-case"],
)
def test_invalid_traceparent_gives_no_trace_id(json_logs: JsonLines, traceparent: str) -> None:
    Client().get("/_b/plain/logs", HTTP_TRACEPARENT=traceparent)

    [view_line] = [line for line in json_logs.lines if line["logger"] == "tests.b.views"]
    assert view_line["trace_id"] is None


def test_context_is_cleared_once_the_response_is_out() -> None:
    Client().get("/_b/plain/logs", HTTP_X_REQUEST_ID="req-gone")

    assert current_context() == EMPTY_CONTEXT


def test_error_responses_are_logged_with_the_request_id(json_logs: JsonLines) -> None:
    Client().get("/_b/raise/not-found", HTTP_X_REQUEST_ID="req-404")

    [line] = [line for line in json_logs.lines if line["logger"] == "django.request"]
    assert line["message"] == "Not Found: /_b/raise/not-found"
    assert line["request_id"] == "req-404"
    assert line["status_code"] == 404


def test_each_request_leaves_one_access_line_with_its_route(json_logs: JsonLines) -> None:
    poc_id = uuid.uuid4()

    Client().get(f"/_b/pocs/{poc_id}", HTTP_X_REQUEST_ID="req-access")
    Client().get("/healthz")

    [line] = [line for line in json_logs.lines if line["logger"] == "pocdex.access"]
    assert line["route"] == "_b/pocs/<uuid:poc_id>"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert line["request_id"] == "req-access"
    assert isinstance(line["duration_ms"], float)


def test_request_context_middleware_runs_natively_under_asgi(json_logs: JsonLines) -> None:
    async def view(request: HttpRequest) -> HttpResponse:
        logging.getLogger("tests.b").info("async view")
        return HttpResponse("ok")

    middleware = RequestContextMiddleware(view)
    request = RequestFactory().get("/ws-ish", HTTP_X_REQUEST_ID="req-async")

    assert iscoroutinefunction(middleware)
    response = asyncio.run(middleware(request))

    assert response["X-Request-ID"] == "req-async"
    assert [line["request_id"] for line in json_logs.lines if line["logger"] == "tests.b"] == [
        "req-async"
    ]


# ------------------------------------------------------------------ metrics


def requests_total(route: str, status: str = "200", method: str = "GET") -> float:
    labels = {"service": "shared-tests", "method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("http_requests_total", labels) or 0.0


@pytest.mark.usefixtures("metrics_middleware")
def test_requests_are_counted_per_route_template_not_per_path() -> None:
    route = "_b/pocs/<uuid:poc_id>"
    before = requests_total(route)
    duration_before = (
        REGISTRY.get_sample_value(
            "http_request_duration_seconds_count",
            {"service": "shared-tests", "method": "GET", "route": route},
        )
        or 0.0
    )
    first, second = uuid.uuid4(), uuid.uuid4()

    Client().get(f"/_b/pocs/{first}")
    Client().get(f"/_b/pocs/{second}")

    assert requests_total(route) == before + 2
    duration_after = REGISTRY.get_sample_value(
        "http_request_duration_seconds_count",
        {"service": "shared-tests", "method": "GET", "route": route},
    )
    assert duration_after == duration_before + 2
    exposed = Client().get("/metrics").content.decode()
    assert str(first) not in exposed
    assert str(second) not in exposed


@pytest.mark.usefixtures("metrics_middleware")
def test_unmatched_paths_share_one_route_label() -> None:
    before = requests_total("<unmatched>", status="404")

    Client().get(f"/scanner/{uuid.uuid4()}/wp-login.php")
    Client().get("/another/random/path")

    assert requests_total("<unmatched>", status="404") == before + 2


@pytest.mark.usefixtures("metrics_middleware")
def test_unknown_methods_share_one_method_label() -> None:
    before = requests_total("healthz", status="405", method="OTHER")

    Client().generic("BREW", "/healthz")

    assert requests_total("healthz", status="405", method="OTHER") == before + 1


def test_metrics_middleware_runs_natively_under_asgi() -> None:
    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(status=204)

    middleware = MetricsMiddleware(view)
    before = requests_total("<unmatched>", status="204")

    assert iscoroutinefunction(middleware)
    asyncio.run(middleware(RequestFactory().get("/async")))

    assert requests_total("<unmatched>", status="204") == before + 1


@pytest.mark.usefixtures("metrics_middleware")
def test_metrics_endpoint_serves_the_prometheus_text_format() -> None:
    Client().get("/healthz")

    response = Client().get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    families = {
        family.name: family for family in text_string_to_metric_families(response.content.decode())
    }
    samples = [
        sample
        for sample in families["http_requests"].samples
        if sample.name == "http_requests_total" and sample.labels["route"] == "healthz"
    ]
    assert samples
    assert "http_request_duration_seconds" in families


def test_metrics_of_several_worker_processes_are_aggregated(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def run(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "tests/_b_multiproc.py", *args],
            cwd=SHARED_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout

    run("record", "3")
    run("record", "2")
    exposed = run("render")

    families = {family.name: family for family in text_string_to_metric_families(exposed)}
    [total] = [
        sample.value
        for sample in families["http_requests"].samples
        if sample.name == "http_requests_total" and sample.labels["route"] == "healthz"
    ]
    assert total == 5
    assert len(list(tmp_path.glob("counter_*.db"))) >= 2
