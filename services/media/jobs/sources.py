"""The data of a job, read from pocs and dojo over internal REST with service tokens.

pocs is required: when it cannot answer, the job is retried with backoff and
finally fails with ``source_unavailable``. dojo is optional: when the service
is not there (connection refused, or no such route yet), the job completes with
the warning ``dojo_data_unavailable`` and says so in the output; no dojo number
is ever invented.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from functools import lru_cache
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.signals import setting_changed

from pocdex_shared.internal import ServiceTokenProvider, default_provider, iter_pages
from rendering.data import Dojo, Poc

logger = logging.getLogger(__name__)

DOJO_UNAVAILABLE = "dojo_data_unavailable"


class SourceUnavailableError(Exception):
    """A service the job needs did not answer; worth retrying later."""

    def __init__(self, service: str) -> None:
        super().__init__(f"{service} is unavailable")
        self.service = service


@lru_cache(maxsize=1)
def token_provider() -> ServiceTokenProvider:
    return default_provider()


def _url(base: str, tenant_id: uuid.UUID | str, collection: str, **params: str | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{base.rstrip('/')}/internal/v1/tenants/{tenant_id}/{collection}?{query}"


def fetch_pocs(
    *,
    tenant_id: uuid.UUID | str,
    viewer: uuid.UUID | str,
    author: uuid.UUID | str | None,
    start: dt.date,
    end: dt.date,
) -> list[Poc]:
    """The POCs ``viewer`` may see in [start, end] (only ``author``'s when given)."""
    url = _url(
        settings.POCS_URL,
        tenant_id,
        "pocs",
        author=str(author) if author else None,
        viewer=str(viewer),
        **{"from": start.isoformat(), "to": end.isoformat()},
    )
    try:
        items = list(
            iter_pages(
                url,
                audience_service="pocs",
                provider=token_provider(),
                timeout=settings.INTERNAL_TIMEOUT_SECONDS,
            )
        )
    except (requests.RequestException, KeyError, ValueError) as exc:
        logger.warning("pocs unavailable: %s", exc)
        raise SourceUnavailableError("pocs") from exc
    return [Poc.from_api(item) for item in items]


def fetch_dojos(
    *,
    tenant_id: uuid.UUID | str,
    participant: uuid.UUID | str | None,
    start: dt.date,
    end: dt.date,
) -> list[Dojo] | None:
    """Dojos in [start, end] (only those ``participant`` took part in); None when dojo is absent."""
    url = _url(
        settings.DOJO_URL,
        tenant_id,
        "dojos",
        participant=str(participant) if participant else None,
        **{"from": start.isoformat(), "to": end.isoformat()},
    )
    try:
        items = list(
            iter_pages(
                url,
                audience_service="dojo",
                provider=token_provider(),
                timeout=settings.INTERNAL_TIMEOUT_SECONDS,
            )
        )
    except requests.ConnectionError:
        return None
    except requests.HTTPError as exc:
        if exc.response is not None and exc.response.status_code == 404:
            return None
        raise SourceUnavailableError("dojo") from exc
    except (requests.RequestException, KeyError, ValueError) as exc:
        raise SourceUnavailableError("dojo") from exc
    return [Dojo.from_api(item) for item in items]


def _reset(*, setting: str, **kwargs: object) -> None:
    if setting in {"ACCOUNTS_URL", "SERVICE_CLIENT_SECRET"}:
        token_provider.cache_clear()


setting_changed.connect(_reset, dispatch_uid="media_sources_reset")
