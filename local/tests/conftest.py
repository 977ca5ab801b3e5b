"""Fixtures for the local platform's tests: where the repo is, and what runs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var"


def local_env() -> dict[str, str]:
    """The environment that local/env.sh exports, read from a clean bash."""
    out = subprocess.run(
        ["bash", "-c", f"source {ROOT}/local/env.sh && env -0"],
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root")},
        check=True,
        capture_output=True,
    ).stdout.decode()
    return dict(item.split("=", 1) for item in out.split("\0") if "=" in item)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def env() -> dict[str, str]:
    return local_env()


@dataclass
class FakeUpstream:
    """An HTTP server standing in for a service: it records what the gateway sends."""

    port: int
    requests: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                upstream.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body_size": len(body),
                    }
                )
                if self.headers.get("Upgrade", "").lower() == "websocket":
                    self.send_response(101)
                    self.send_header("Upgrade", "websocket")
                    self.send_header("Connection", "Upgrade")
                    self.end_headers()
                    self.close_connection = True
                    return
                payload = json.dumps({"upstream_port": upstream.port, "path": self.path}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                # No keep-alive on our side: a later fake on the same port must see every request.
                self.send_header("Connection", "close")
                self.close_connection = True
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._record()

            def do_POST(self) -> None:
                self._record()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def fake_upstream() -> Iterator[Any]:
    """fake_upstream(port) starts a recording server on a service's port, if that port is free."""
    started: list[FakeUpstream] = []

    def start(port: int) -> FakeUpstream:
        if port_open(port):
            pytest.skip(f"port {port} is served by the real service; the fake cannot take it")
        upstream = FakeUpstream(port)
        upstream.start()
        started.append(upstream)
        return upstream

    yield start
    for upstream in started:
        upstream.stop()


def wait_until(predicate: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False
