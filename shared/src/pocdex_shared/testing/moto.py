"""moto's server in a process of its own, on a free port, for one test run.

It stands in for the AWS APIs that the local stack has no server for (S3's
bucket configuration calls, which s3proxy does not implement; SQS; SNS). The
process is stopped when the ``with`` block ends, on failure too.

    with moto_server() as url:
        client = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

#: Generous: eight engineers and the platform share two cores.
START_DEADLINE_SECONDS = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_server(deadline: float = START_DEADLINE_SECONDS) -> Iterator[str]:
    """Start ``moto_server`` on 127.0.0.1 and yield its URL once it answers."""
    port = _free_port()
    binary = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + deadline
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {process.returncode}")
            try:
                if requests.get(f"{url}/moto-api/", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > end:
                raise RuntimeError(f"moto_server did not answer within {deadline:.0f}s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
