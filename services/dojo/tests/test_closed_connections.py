"""A closed connection leaves no reference cycle in daphne (dojos.transport, ADR 0052).

What cycles keep alive waits for the instance's next thaw (dojos.collector,
ADR 0048), thousands of disconnections later. A real daphne serves real
connections in a process of its own (closed_connections_probe.py), and the
cycle collector's garbage is counted once every connection is closed and gone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PROBE = Path(__file__).with_name("closed_connections_probe.py")
SERVICE = PROBE.parent.parent
CONNECTIONS = 40


def probe(mode: str) -> dict[str, Any]:
    finished = subprocess.run(
        [sys.executable, str(PROBE), mode, str(CONNECTIONS)],
        cwd=SERVICE,
        env={**os.environ, "PYTHONPATH": str(SERVICE)},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    report: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    assert report["client_error"] is None, report
    assert report["still_open"] == 0, report
    return report


def test_daphne_as_shipped_leaves_cycles_behind_every_websocket() -> None:
    # The measurement sees them: daphne and autobahn alone leave each closed
    # WebSocket's connection, its transport, its HTTP channel and request in
    # cycles (and the plain HTTP requests none).
    report = probe("plain")
    kinds = report["kinds"]
    assert kinds.get("daphne.ws_protocol.WebSocketProtocol") == CONNECTIONS, report
    assert kinds.get("twisted.internet.tcp.Server") == CONNECTIONS, report
    assert kinds.get("twisted.web.http.HTTPChannel") == CONNECTIONS, report
    assert kinds.get("daphne.http_protocol.WebRequest") == CONNECTIONS, report


def test_with_the_dojo_transport_closed_connections_leave_no_cycles() -> None:
    report = probe("installed")
    assert report["garbage"] == 0, report
