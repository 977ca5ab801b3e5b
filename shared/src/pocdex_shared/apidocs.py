"""API docs pages that work both directly and behind the gateway, with nothing from elsewhere.

The gateway serves ``/api/docs/<service>`` and ``/api/schema/<service>`` and
tells the service the public prefix in ``X-Forwarded-Prefix``; the docs page
must then fetch the schema from the public path, not the service's own.

The page runs Redoc, whose script is shipped inside this package (a pinned
release, byte for byte as published on npm, with its licence in
``static/pocdex_shared/redoc/``) and served by each service at
``/api/docs/redoc.standalone.js`` (``/api/docs/<service>/redoc.standalone.js``
behind the gateway). The page names it with its SHA-384 (subresource
integrity) and forbids every other origin with its Content-Security-Policy:
no CDN, no web fonts, nothing a third party could change under the page.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularAPIView

_DOCS_PREFIX = re.compile(r"^/api/docs/(?P<service>[a-z][a-z0-9-]{0,30})/?$")

#: The Redoc release shipped here (npm package ``redoc``) and the SHA-384 of its
#: ``bundles/redoc.standalone.js``, as base64 for the ``integrity`` attribute.
REDOC_VERSION = "2.5.4"
REDOC_SHA384 = "w447zOpYfw/1Tv/5AK9NfHTlQIqE3RVR6KY62jCyy9zNDgO64cMwGGP1Fj0zJVf5"
REDOC_SCRIPT = Path(__file__).resolve().parent / "static" / "pocdex_shared" / "redoc"
REDOC_SCRIPT_NAME = "redoc.standalone.js"

#: Only this origin. Redoc styles its components with inline ``<style>``
#: elements (styled-components) and runs its search index in a worker it
#: creates from a ``blob:`` URL; nothing else is allowed.
DOCS_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

_PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="no-referrer">
    <title>{title}</title>
  </head>
  <body>
    <redoc spec-url="{schema_url}"></redoc>
    <script src="{script_url}" integrity="sha384-{integrity}"></script>
  </body>
</html>
"""


def _public_prefix(request: HttpRequest) -> str | None:
    """``/api/docs/<service>`` when the gateway forwarded the request, else ``None``."""
    match = _DOCS_PREFIX.match(request.META.get("HTTP_X_FORWARDED_PREFIX", ""))
    return match.group("service") if match else None


def docs(request: HttpRequest) -> HttpResponse:
    service = _public_prefix(request)
    if service:
        schema_url = f"/api/schema/{service}"
        script_url = f"/api/docs/{service}/{REDOC_SCRIPT_NAME}"
    else:
        schema_url = reverse("schema")
        script_url = f"{reverse('docs')}/{REDOC_SCRIPT_NAME}"
    title = getattr(settings, "SPECTACULAR_SETTINGS", {}).get("TITLE", "Pocdex API")
    page = format_html(
        _PAGE,
        title=title,
        schema_url=schema_url,
        script_url=f"{script_url}?v={REDOC_VERSION}",
        integrity=REDOC_SHA384,
    )
    response = HttpResponse(page, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = DOCS_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-cache"
    return response


@lru_cache(maxsize=1)
def redoc_script_path() -> Path:
    return REDOC_SCRIPT / REDOC_SCRIPT_NAME


def redoc_script(request: HttpRequest) -> FileResponse:
    response = FileResponse(
        redoc_script_path().open("rb"), content_type="text/javascript; charset=utf-8"
    )
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


urlpatterns = [
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", require_safe(docs), name="docs"),
    path(f"api/docs/{REDOC_SCRIPT_NAME}", require_safe(redoc_script), name="docs-script"),
]
