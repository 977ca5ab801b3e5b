"""Stripe's API mock (stripe-mock) in a process of its own, on a free port, for one test run.

The binary is the pinned one ``local/stripe-mock.sh`` builds with ``go install``
(once; later runs reuse it). The process is stopped when the ``with`` block ends.

    with stripe_mock() as url:
        settings.STRIPE_API_BASE = url
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from pocdex_shared.testing.servers import START_DEADLINE_SECONDS, local_server

_ROOT = Path(os.environ.get("POCDEX_ROOT") or Path(__file__).resolve().parents[4])


def stripe_mock_binary() -> str:
    """Build the pinned stripe-mock if needed (minutes the first time) and return its path."""
    result = subprocess.run(
        [str(_ROOT / "local" / "stripe-mock.sh")], check=True, capture_output=True, text=True
    )
    return result.stdout.strip().splitlines()[-1]


@contextmanager
def stripe_mock(deadline: float = START_DEADLINE_SECONDS) -> Iterator[str]:
    """Start stripe-mock on 127.0.0.1 and yield its base URL once it answers."""
    binary = stripe_mock_binary()
    with local_server(
        # HTTPS on a port the system picks: its default (12112) may be taken.
        lambda port: [binary, "-http-addr", f"127.0.0.1:{port}", "-https-addr", "127.0.0.1:"],
        name="stripe-mock",
        answers=lambda url: (
            requests.get(f"{url}/v1/products", auth=("sk_test_probe", ""), timeout=1).status_code
            == 200
        ),
        deadline=deadline,
    ) as url:
        yield url
