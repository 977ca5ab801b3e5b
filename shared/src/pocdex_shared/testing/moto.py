"""moto's server in a process of its own, on a free port, for one test run.

It stands in for the AWS APIs that the local stack has no server for (S3's
bucket configuration calls, which s3proxy does not implement; SQS; SNS). The
process is stopped when the ``with`` block ends, on failure too.

    with moto_server() as url:
        client = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import requests

from pocdex_shared.testing.servers import START_DEADLINE_SECONDS, local_server


@contextmanager
def moto_server(
    deadline: float = START_DEADLINE_SECONDS, output: int | IO[bytes] = subprocess.DEVNULL
) -> Iterator[str]:
    """Start ``moto_server`` on 127.0.0.1 and yield its URL once it answers.

    ``output`` takes the server's log (an open file, or DEVNULL)."""
    binary = str(Path(sys.executable).with_name("moto_server"))
    with local_server(
        lambda port: [binary, "-H", "127.0.0.1", "-p", str(port)],
        name="moto_server",
        answers=lambda url: requests.get(f"{url}/moto-api/", timeout=1).status_code == 200,
        deadline=deadline,
        output=output,
    ) as url:
        yield url
