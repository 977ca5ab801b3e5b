"""A local protocol server in a process of its own, on a free port, for one test run.

moto's server and stripe-mock start the same way: pick a free port on 127.0.0.1,
start the process, poll until it answers (or exits, or the deadline passes), yield
its URL, and stop it when the ``with`` block ends, on failure too.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

import requests

#: Generous: the suites share two cores with the platform.
START_DEADLINE_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_server(
    argv: Callable[[int], list[str]],
    *,
    name: str,
    answers: Callable[[str], bool],
    deadline: float = START_DEADLINE_SECONDS,
    output: int | IO[bytes] = subprocess.DEVNULL,
) -> Iterator[str]:
    """Start ``argv(port)`` and yield ``http://127.0.0.1:<port>`` once ``answers(url)`` is true.

    ``answers`` may raise ``requests.ConnectionError`` while the server is starting.
    """
    port = free_port()
    process = subprocess.Popen(argv(port), stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + deadline
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}")
            try:
                if answers(url):
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > end:
                raise RuntimeError(f"{name} did not answer within {deadline:.0f}s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
