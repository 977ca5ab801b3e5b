"""Which requests belong to the owner console: those for ``<slug>.<PUBLIC_BASE_DOMAIN>``.

The gateway sends every path of an organization's host to accounts (the API
routes it knows go to their services first). On such a host accounts answers
with its own URLconf, ``console.host_urls``: the console at ``/``, the API,
the published keys and the health routes, but not the Django admin, which
lives on the API host only. Console pages also get their security headers
here: a strict Content-Security-Policy, no framing, no caching (ADR 0046).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from organizations.services import RESERVED_SLUGS

HOST_URLCONF = "console.host_urls"
# Paths on an organization's host that are not console pages (their own headers apply).
NON_CONSOLE_PREFIXES = ("/api/", "/internal/", "/.well-known/", "/healthz", "/readyz", "/metrics")
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def organization_slug(request: HttpRequest) -> str | None:
    """The slug named by the request's host, or ``None`` when it is not an organization's host."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.lower().rstrip(".")
    suffix = "." + str(settings.PUBLIC_BASE_DOMAIN).lower().strip(".")
    if not name.endswith(suffix):
        return None
    slug = name[: -len(suffix)]
    # api.<domain> and admin.<domain> are the platform's own hosts: no organization can
    # take a reserved slug, and those hosts keep the API host's routes (the admin included).
    if slug in RESERVED_SLUGS or not _SLUG.fullmatch(slug):
        return None
    return slug


def is_console_page(request: HttpRequest) -> bool:
    return getattr(request, "console_slug", None) is not None and not request.path.startswith(
        NON_CONSOLE_PREFIXES
    )


def content_security_policy() -> str:
    form_action = " ".join(["'self'", *settings.CONSOLE_FORM_ACTION_ORIGINS])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
        ]
    )


class ConsoleHostMiddleware:
    """Route an organization's host to the console's URLconf and secure its pages.

    It runs after the language and before ``CommonMiddleware`` (whose slash
    redirects resolve paths in the request's URLconf).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        slug = organization_slug(request)
        request.console_slug = slug  # type: ignore[attr-defined]
        if slug is not None:
            request.urlconf = getattr(  # type: ignore[attr-defined]
                settings, "CONSOLE_HOST_URLCONF", HOST_URLCONF
            )
        response = self.get_response(request)
        if slug is not None and is_console_page(request):
            response.headers["Content-Security-Policy"] = content_security_policy()
            response.headers["X-Frame-Options"] = "DENY"
            response.headers["Referrer-Policy"] = "same-origin"
            response.headers["X-Content-Type-Options"] = "nosniff"
            if not request.path.startswith(settings.STATIC_URL):
                response.headers["Cache-Control"] = "no-store"
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Console pages answer "not found" and "not allowed" with pages, whatever the client
        accepts (the JSON error contract stays for the API on this host)."""
        if getattr(request, "console_slug", None) is None or not is_console_page(request):
            return None
        from . import errors

        if isinstance(exception, Http404):
            return errors.not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return errors.forbidden(request, exception)
        return None
