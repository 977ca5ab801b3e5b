"""Readiness checks for ``settings.READINESS_CHECKS`` in the health tests."""

import socket
import time


def search_cluster() -> None:
    """Healthy: returns without raising."""


def broken_search() -> None:
    """Fails the way a client library does when its server is gone."""
    with socket.create_connection(("127.0.0.1", _closed_port()), timeout=1):
        pass


def slow_queue() -> None:
    """Hangs past any sensible deadline."""
    time.sleep(2)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
