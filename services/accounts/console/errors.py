"""Error pages of an organization's host: console pages get HTML, the API keeps its JSON."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import csrf

from pocdex_shared import errors as shared_errors

from .hosts import is_console_page


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not is_console_page(request):
        return shared_errors.handler404(request, exception)
    return render(request, "console/not_found.html", status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not is_console_page(request):
        return shared_errors.handler403(request, exception)
    return render(request, "console/forbidden.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form (no or a stale CSRF token): the console's page, Django's elsewhere."""
    if not is_console_page(request):
        return csrf.csrf_failure(request, reason)
    return render(request, "console/forbidden.html", {"csrf_failed": True}, status=403)
