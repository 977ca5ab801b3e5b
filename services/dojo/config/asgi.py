"""ASGI entry point: HTTP (the REST API) and the dojo WebSocket, served by daphne."""

import os
import sys

from django.core.asgi import get_asgi_application

# The event loop sends thousands of frames a second while worker threads run
# short database transactions, each a few round trips that release and retake
# the GIL. With the default 5 ms switch interval a thread coming back from
# PostgreSQL can wait that long for the GIL at every round trip; 0.5 ms keeps a
# transaction from paying 5 ms per statement (bench/dojo, docs/benchmarks.md).
sys.setswitchinterval(0.0005)

from pocdex_shared import tracing  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
tracing.setup()  # before the handler loads the middleware (ADR 0040)
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from dojos.admission import AdmissionBound  # noqa: E402
from dojos.checkers import install as install_spread_checks  # noqa: E402
from dojos.collector import tune as tune_garbage_collection  # noqa: E402
from dojos.consumers import DojoConsumer  # noqa: E402
from dojos.transport import install as install_eager_writes  # noqa: E402
from pocdex_shared.tenancy.asgi import TicketTenantMiddleware  # noqa: E402

install_eager_writes()
install_spread_checks()

websocket_routes = [path("ws/dojos/<str:dojo_id>", DojoConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        # A bounded number of requests at once (dojos.admission).
        "http": AdmissionBound(
            django_asgi_app,
            concurrency=settings.DOJO_HTTP_CONCURRENCY,
            backlog=settings.DOJO_HTTP_BACKLOG,
        ),
        # The connect is traced (continuing the client's traceparent); frames are not.
        "websocket": tracing.traced_websocket(
            TicketTenantMiddleware(URLRouter(websocket_routes)), route="/ws/dojos/{dojo_id}"
        ),
    }
)

# Rare full garbage collections (dojos.collector); the tests' processes keep CPython's.
if settings.DOJO_TUNE_GC:
    tune_garbage_collection()
