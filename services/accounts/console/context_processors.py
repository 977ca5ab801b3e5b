"""Template context of console pages: the caller, the navigation and the languages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (area, route name, label): the order of the navigation.
NAVIGATION = (
    ("overview", "console:overview", _("Overview")),
    ("members", "console:members", _("Members")),
    ("billing", "console:billing", _("Plan and billing")),
    ("settings", "console:settings", _("Settings")),
    ("audit", "console:audit", _("Audit log")),
    ("data", "console:data", _("Data")),
)
_AREAS = {area for area, _route, _label in NAVIGATION}


def current_area(request: HttpRequest) -> str | None:
    """The area of the page by its route name: ``console:members-invite`` is in "members"."""
    match = getattr(request, "resolver_match", None)
    if match is None or "console" not in match.namespaces:
        return None
    area = (match.url_name or "").split("-", 1)[0]
    return area if area in _AREAS else None


def navigation(request: HttpRequest) -> list[dict[str, Any]]:
    """The areas whose pages exist, the current one marked (for ``aria-current``)."""
    current = current_area(request)
    items = []
    for area, route, label in NAVIGATION:
        try:
            url = reverse(route)
        except NoReverseMatch:
            continue
        items.append({"area": area, "url": url, "label": label, "current": area == current})
    return items


def console(request: HttpRequest) -> dict[str, Any]:
    if getattr(request, "console_slug", None) is None:
        return {}
    context = getattr(request, "console", None)
    signed_in = context is not None and context.user is not None
    return {
        "console": context,
        "console_navigation": navigation(request) if signed_in else [],
        "console_area": current_area(request),
        "console_languages": settings.LANGUAGES,
    }
