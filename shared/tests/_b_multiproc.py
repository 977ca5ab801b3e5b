"""A stand-in gunicorn worker for the multiprocess metrics test.

    python tests/_b_multiproc.py record N   # answer N requests to /healthz
    python tests/_b_multiproc.py render     # print /metrics as this process sees it

Each invocation is its own process, as each gunicorn worker is; the test sets
``PROMETHEUS_MULTIPROC_DIR`` for all of them.
"""

from __future__ import annotations

import sys

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF="pocdex_shared.health",
    INSTALLED_APPS=[],
    DATABASES={},
    MIDDLEWARE=["pocdex_shared.observability.MetricsMiddleware"],
    POCDEX_SERVICE="multiproc-test",
)
django.setup()

from django.test import Client  # noqa: E402 - after settings, as Django requires

from pocdex_shared.observability import render_metrics  # noqa: E402


def main(argv: list[str]) -> None:
    command = argv[1]
    if command == "record":
        client = Client()
        for _ in range(int(argv[2])):
            assert client.get("/healthz").status_code == 200
    elif command == "render":
        sys.stdout.write(render_metrics()[0].decode())
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv)
