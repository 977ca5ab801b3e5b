"""API docs pages that work both directly and behind the gateway.

The gateway serves ``/api/docs/<service>`` and ``/api/schema/<service>`` and
tells the service the public prefix in ``X-Forwarded-Prefix``; the docs page
must then fetch the schema from the public path, not the service's own.
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

_DOCS_PREFIX = re.compile(r"^/api/docs/(?P<service>[a-z][a-z0-9-]{0,30})/?$")


class GatewayAwareRedocView(SpectacularRedocView):
    url_name = "schema"

    def _get_schema_url(self, request: Any) -> str:
        match = _DOCS_PREFIX.match(request.META.get("HTTP_X_FORWARDED_PREFIX", ""))
        if match:
            return f"/api/schema/{match.group('service')}"
        return str(super()._get_schema_url(request))


urlpatterns = [
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", GatewayAwareRedocView.as_view(), name="docs"),
]
