"""Gunicorn keeps idle connections open longer than the gateway reuses them.

The gateway keeps connections to each service open (nginx ``keepalive``) and
sends the next request on one of them. When gunicorn had already closed it
(its default keep-alive is 2 s), a POST or PATCH sent at that moment was lost:
nginx does not retry those, and answered 503 (seen in the hostile-input fuzzing).
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT, free_port, wait_until

WSGI_SERVICES = ("accounts", "pocs", "media")
CONFIG = "python:pocdex_shared.gunicorn_conf"

APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
"""


def upstream_keepalive_timeouts() -> dict[str, int]:
    template = (ROOT / "local" / "nginx.conf.template").read_text()
    timeouts = {}
    for name, body in re.findall(r"upstream (\w+) \{(.*?)\}", template, re.S):
        found = re.search(r"keepalive_timeout (\d+)s;", body)
        timeouts[name] = int(found.group(1)) if found else 60  # nginx's default
    return timeouts


def test_every_wsgi_service_runs_gunicorn_with_the_shared_configuration() -> None:
    for service in WSGI_SERVICES:
        for name in ("Procfile", "Dockerfile"):
            text = (ROOT / "services" / service / name).read_text()
            assert "gunicorn" in text, f"{service}/{name}"
            assert CONFIG in text, f"{service}/{name} does not use {CONFIG}"


def test_gunicorn_keeps_idle_connections_longer_than_the_gateway() -> None:
    from pocdex_shared import gunicorn_conf

    timeouts = upstream_keepalive_timeouts()
    for service in WSGI_SERVICES:
        assert timeouts[service] < gunicorn_conf.keepalive, service


@pytest.fixture
def gunicorn_port(tmp_path: Path) -> Iterator[int]:
    (tmp_path / "tinyapp.py").write_text(APP)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tinyapp:app", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "2", "--worker-class", "gthread", "--config", CONFIG],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert wait_until(lambda: _answers(port), seconds=30), "gunicorn did not start"
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _request(sock: socket.socket) -> bytes:
    sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    data = b""
    while not data.endswith(b"ok"):
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
    return data


def test_a_connection_idle_longer_than_gunicorns_default_still_serves(gunicorn_port: int) -> None:
    with socket.create_connection(("127.0.0.1", gunicorn_port), timeout=10) as sock:
        assert _request(sock).startswith(b"HTTP/1.1 200")
        # Longer than gunicorn's default keep-alive (2 s): with it, the server has
        # closed the connection by now and the second request gets nothing.
        time.sleep(3)
        assert _request(sock).startswith(b"HTTP/1.1 200")
