"""What every service's root URLconf shares: common routes and JSON error handlers.

    from pocdex_shared.urls import common_routes, handler400, handler403, handler404, handler500

    urlpatterns = [path("api/v1/", include(api_v1)), *common_routes()]

``common_routes`` is the OpenAPI schema and docs (``api/schema``, ``api/docs``)
and the operational routes (``healthz``, ``readyz``, ``metrics``); the gateway
never routes ``metrics`` from outside. Django reads the ``handler*`` names from
the root URLconf module, so a service imports them there.
"""

from __future__ import annotations

from django.urls import URLResolver, include, path

handler400 = "pocdex_shared.errors.handler400"
handler403 = "pocdex_shared.errors.handler403"
handler404 = "pocdex_shared.errors.handler404"
handler500 = "pocdex_shared.errors.handler500"

__all__ = ["common_routes", "handler400", "handler403", "handler404", "handler500"]


def common_routes() -> list[URLResolver]:
    """The API schema and docs, then health and metrics, after the service's own routes."""
    return [
        path("", include("pocdex_shared.apidocs")),
        path("", include("pocdex_shared.health")),
    ]
