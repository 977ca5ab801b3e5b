"""Stripe's API mock (stripe-mock) in a process of its own, on a free port, for one test run.

The binary is the pinned one ``local/stripe-mock.sh`` builds with ``go install``
(once; later runs reuse it). The process is stopped when the ``with`` block ends.

    with stripe_mock() as url:
        settings.STRIPE_API_BASE = url
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from pocdex_shared.testing.moto import START_DEADLINE_SECONDS, _free_port

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
    port = _free_port()
    process = subprocess.Popen(
        # HTTPS on a port the system picks: its default (12112) may be taken.
        [stripe_mock_binary(), "-http-addr", f"127.0.0.1:{port}", "-https-addr", "127.0.0.1:"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + deadline
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"stripe-mock exited with {process.returncode}")
            try:
                answer = requests.get(f"{url}/v1/products", auth=("sk_test_probe", ""), timeout=1)
                if answer.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > end:
                raise RuntimeError(f"stripe-mock did not answer within {deadline:.0f}s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
