"""ASGI entry point: HTTP (the REST API) and the dojo WebSocket, served by daphne."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from dojos.consumers import DojoConsumer  # noqa: E402
from pocdex_shared.tenancy.asgi import TicketTenantMiddleware  # noqa: E402

websocket_routes = [path("ws/dojos/<str:dojo_id>", DojoConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": TicketTenantMiddleware(URLRouter(websocket_routes)),
    }
)
