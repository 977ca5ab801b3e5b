"""Addresses of an organization's own pages, for mails and messages."""

from __future__ import annotations

from django.conf import settings


def console_url(slug: str, path: str = "/") -> str:
    """``<scheme>://<slug>.<PUBLIC_BASE_DOMAIN>[:port]<path>``: the owner console's address.

    The scheme and port are those of ``APP_LINK_BASE`` (the platform's public
    address), so that a local stack's links keep its port.
    """
    scheme, _sep, address = str(settings.APP_LINK_BASE).partition("://")
    host = address.split("/", 1)[0]
    port = host.rsplit(":", 1)[1] if ":" in host else ""
    domain = str(settings.PUBLIC_BASE_DOMAIN).strip(".")
    return f"{scheme}://{slug}.{domain}{':' + port if port else ''}{path}"
