"""An organization's usage against its plan's limits: members from accounts, the rest from
the service that enforces each limit (``GET /internal/v1/tenants/{id}/usage``, pocdex_shared.usage).

The owner console's overview and the back office read it. The services are asked
concurrently with a short timeout; each answer is cached briefly per organization
and service (``USAGE_CACHE_SECONDS``). A service that does not answer leaves its
items unavailable, never the page broken, and its failure is not cached.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from organizations.models import Organization
from organizations.selectors import seats_taken
from pocdex_shared.plans import LIMIT_NAMES, limit_of
from tokens.internal_api import service_token_for

logger = logging.getLogger(__name__)

#: Which service counts (and enforces) each limit; accounts counts ``members``.
SERVICE_LIMITS: dict[str, tuple[str, ...]] = {
    "pocs": ("pocs", "attachment_bytes"),
    "dojo": ("dojos_per_month",),
    "media": ("reports_per_month", "videos_per_month"),
}


@dataclass(frozen=True)
class UsageItem:
    """One limited item. ``used`` is ``None`` when its service did not answer;
    ``limit`` is ``None`` when the plan does not limit it."""

    name: str
    service: str
    used: int | None
    limit: int | None

    @property
    def available(self) -> bool:
        return self.used is not None

    @property
    def unlimited(self) -> bool:
        return self.limit is None

    @property
    def over(self) -> bool:
        """Beyond the limit (a downgrade keeps the data): nothing more can be added."""
        return self.used is not None and self.limit is not None and self.used >= self.limit


@dataclass(frozen=True)
class OrganizationUsage:
    items: tuple[UsageItem, ...]

    def item(self, name: str) -> UsageItem:
        return next(item for item in self.items if item.name == name)

    @property
    def complete(self) -> bool:
        return all(item.available for item in self.items)


def _cache_key(organization_id: uuid.UUID, service: str) -> str:
    return f"usage:{organization_id}:{service}"


def _service_url(service: str) -> str:
    # The services' internal base URLs (POCS_URL, DOJO_URL, MEDIA_URL).
    urls: dict[str, str] = settings.LGPD_SERVICE_URLS
    return urls[service].rstrip("/")


def _ask(service: str, url: str, token: str) -> dict[str, Any] | None:
    """One service's answer, or ``None`` (logged) when it does not give a usable one."""
    try:
        response = requests.get(
            url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=float(settings.USAGE_TIMEOUT_SECONDS),
        )
        response.raise_for_status()
        body = response.json()
        usage = body["usage"]
        return {
            name: {"used": int(usage[name]["used"]), "limit": usage[name]["limit"]}
            for name in SERVICE_LIMITS[service]
        }
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        logger.warning("usage unavailable", extra={"service": service, "error": str(error)})
        return None


def _services_usage(organization_id: uuid.UUID) -> dict[str, dict[str, Any] | None]:
    answers: dict[str, dict[str, Any] | None] = {}
    missing: dict[str, tuple[str, str]] = {}
    for service in SERVICE_LIMITS:
        cached = cache.get(_cache_key(organization_id, service))
        if cached is not None:
            answers[service] = cached
        else:
            missing[service] = (
                f"{_service_url(service)}/internal/v1/tenants/{organization_id}/usage",
                # Accounts signs its own service tokens (it is their issuer).
                service_token_for(client="accounts", audience_service=service),
            )
    if missing:
        with ThreadPoolExecutor(max_workers=len(missing)) as pool:
            futures = {
                service: pool.submit(_ask, service, url, token)
                for service, (url, token) in missing.items()
            }
            for service, future in futures.items():
                answer = future.result()
                answers[service] = answer
                if answer is not None:
                    cache.set(
                        _cache_key(organization_id, service),
                        answer,
                        int(settings.USAGE_CACHE_SECONDS),
                    )
    return answers


def organization_usage(organization: Organization) -> OrganizationUsage:
    """Every limited item of the organization, in the catalog's order.

    A service's own limit is the one it enforces (its replica of the plan, which
    the ``tenant.updated`` event keeps current); ``members`` is accounts' own.
    """
    answers = _services_usage(organization.pk)
    items: list[UsageItem] = []
    for name in LIMIT_NAMES:
        if name == "members":
            used = seats_taken(organization_id=organization.pk)
            items.append(UsageItem(name, "accounts", used, limit_of(organization, name)))
            continue
        service = next(s for s, names in SERVICE_LIMITS.items() if name in names)
        answer = answers.get(service)
        if answer is None:
            items.append(UsageItem(name, service, None, limit_of(organization, name)))
        else:
            limit = answer[name]["limit"]
            items.append(
                UsageItem(
                    name, service, answer[name]["used"], None if limit is None else int(limit)
                )
            )
    return OrganizationUsage(tuple(items))


# ------------------------------------------------------------------ as people read it


@dataclass(frozen=True)
class Meter:
    """One limited item as the page shows it: a label, a sentence, and a meter's values."""

    name: str
    label: str
    text: str
    used: int | None
    limit: int | None
    over: bool

    @property
    def available(self) -> bool:
        return self.used is not None

    @property
    def high(self) -> float | None:
        """Where the meter turns to a warning: 80% of the limit."""
        return None if self.limit is None else self.limit * 0.8


def _labels() -> dict[str, str]:
    return {
        "members": _("Members (pending invitations included)"),
        "pocs": _("POCs"),
        "attachment_bytes": _("Attachment storage"),
        "dojos_per_month": _("Dojos this month"),
        "reports_per_month": _("Reports this month"),
        "videos_per_month": _("Videos this month"),
    }


def _unit(name: str, count: int) -> str:
    units = {
        "members": ngettext("member", "members", count),
        "pocs": ngettext("POC", "POCs", count),
        "dojos_per_month": ngettext("dojo", "dojos", count),
        "reports_per_month": ngettext("report", "reports", count),
        "videos_per_month": ngettext("video", "videos", count),
    }
    return units[name]


def _text(item: UsageItem) -> str:
    if item.used is None:
        return _("Unavailable right now: try again in a minute.")
    if item.name == "attachment_bytes":
        used, limit = filesizeformat(item.used), filesizeformat(item.limit or 0)
        if item.limit is None:
            return _("%(used)s used, unlimited") % {"used": used}
        return _("%(used)s of %(limit)s used") % {"used": used, "limit": limit}
    if item.limit is None:
        return _("%(used)s %(unit)s, unlimited") % {
            "used": number_format(item.used, force_grouping=True),
            "unit": _unit(item.name, item.used),
        }
    return _("%(used)s of %(limit)s %(unit)s") % {
        "used": number_format(item.used, force_grouping=True),
        "limit": number_format(item.limit, force_grouping=True),
        "unit": _unit(item.name, item.limit),
    }


def meters(items: tuple[UsageItem, ...]) -> list[Meter]:
    labels = _labels()
    return [
        Meter(
            name=item.name,
            label=labels[item.name],
            text=_text(item),
            used=item.used,
            limit=item.limit,
            over=item.over,
        )
        for item in items
    ]
