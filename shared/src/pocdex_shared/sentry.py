"""Error reports to Sentry, when ``SENTRY_DSN`` is configured (off by default).

Django and Celery integrations; every event is tagged with the service, the
tenant (its slug: an organization, never a person) and the request id of the
request or task that failed, so a report leads to its log lines. Personal
data stays out: ``send_default_pii=False``, no request bodies, no local
variables, and ``scrub_event`` removes what could still carry it (e-mail
addresses anywhere, name fields, credentials, cookies, the user block).
A name typed into free text cannot be recognized: code never puts one in an
exception message.
"""

from __future__ import annotations

import os
import re
from typing import Any

from pocdex_shared.observability import current_context

FILTERED = "[Filtered]"
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Keys whose values are personal or secret wherever they appear (lower-case, - and _ alike).
_SENSITIVE_KEYS = frozenset(
    {
        "authorization",
        "proxy_authorization",
        "cookie",
        "set_cookie",
        "x_csrftoken",
        "csrftoken",
        "sessionid",
        "password",
        "new_password",
        "current_password",
        "token",
        "access",
        "refresh",
        "secret",
        "client_secret",
        "api_key",
        "x_api_key",
        "email",
        "new_email",
        "name",
        "first_name",
        "last_name",
        "full_name",
        "owner_name",
        "display_name",
        "username",
        "phone",
        "remote_addr",
        "x_forwarded_for",
        "x_real_ip",
    }
)
# Parts of an event that describe the runtime, not the request (their "name" keys are
# "CPython", "Linux", "sentry.python"...).
_UNTOUCHED_PARTS = frozenset({"sdk", "contexts", "modules", "platform", "release", "environment"})


def _normalized(key: str) -> str:
    return key.strip().lower().replace("-", "_")


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _EMAIL_RE.sub("[email]", value)
    if isinstance(value, dict):
        return {
            key: FILTERED
            if isinstance(key, str) and _normalized(key) in _SENSITIVE_KEYS
            else _scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        # Header lists come as [name, value] pairs.
        if (
            len(value) == 2
            and isinstance(value[0], str)
            and _normalized(value[0]) in _SENSITIVE_KEYS
        ):
            return [value[0], FILTERED]
        return [_scrub(item) for item in value]
    return value


def scrub_event(event: dict[str, Any], hint: Any = None) -> dict[str, Any]:
    """Sentry ``before_send``: tags from the request context, personal data removed."""
    context = current_context()
    tags = dict(event.get("tags") or {})
    for tag in ("tenant", "request_id"):
        if context.get(tag) and tag not in tags:
            tags[tag] = context[tag]
    event["tags"] = tags
    event.pop("user", None)
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("data", None)
        request.pop("env", None)
    return {
        key: value if key in _UNTOUCHED_PARTS else _scrub(value) for key, value in event.items()
    }


def _scrub_breadcrumb(crumb: dict[str, Any], hint: Any = None) -> dict[str, Any]:
    scrubbed: dict[str, Any] = _scrub(crumb)
    return scrubbed


def setup(service: str) -> bool:
    """Start the SDK when ``SENTRY_DSN`` is set; returns whether it runs."""
    dsn = os.environ.get("SENTRY_DSN", "").strip()
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=os.environ.get("SENTRY_ENVIRONMENT") or os.environ.get("POCDEX_ENV", "local"),
        release=os.environ.get("SENTRY_RELEASE") or None,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        # Traces go through OpenTelemetry (pocdex_shared.tracing), not Sentry.
        traces_sample_rate=0.0,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=scrub_event,  # type: ignore[arg-type]
        before_breadcrumb=_scrub_breadcrumb,
    )
    sentry_sdk.get_global_scope().set_tag("service", service)
    return True
