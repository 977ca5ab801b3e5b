"""Service-to-service calls: service tokens, and the authentication of internal endpoints.

A service obtains a short-lived token from accounts with its client secret
(``POST /internal/v1/service-tokens``) for one audience (``pocdex-<target>``),
and the target verifies it like any token, against the same JWKS, with type
``service``. Internal routes are never exposed by the gateway; every call is
verified anyway (zero trust).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from pocdex_shared.errors import gettext_lazy as _
from pocdex_shared.jwt import VerifiedToken, get_service_verifier

ISSUE_SERVICE_CREDENTIAL_PATH = "/internal/v1/service-tokens"


@dataclass(frozen=True)
class ServicePrincipal:
    """The calling service, as its verified token names it (``sub`` = ``service:<name>``)."""

    name: str

    is_authenticated = True
    is_anonymous = False

    @property
    def pk(self) -> str:
        return f"service:{self.name}"


class ServiceAuthentication(BaseAuthentication):
    """DRF authentication for internal endpoints: a service token for this service only."""

    def authenticate(self, request: Request) -> tuple[ServicePrincipal, VerifiedToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return None
        token = get_service_verifier().verify(raw.strip())
        subject = token.subject
        if not subject.startswith("service:") or len(subject) <= len("service:"):
            raise AuthenticationFailed(_("Not a service token."), code="token_type_invalid")
        return ServicePrincipal(name=subject.removeprefix("service:")), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="pocdex-internal"'


class IsService(BasePermission):
    """Only service principals (optionally only the named services)."""

    allowed: frozenset[str] | None = None

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not isinstance(user, ServicePrincipal):
            return False
        allowed = getattr(view, "allowed_services", None)
        return allowed is None or user.name in allowed


class ServiceTokenProvider:
    """Fetches and caches this service's token for one audience until shortly before expiry."""

    def __init__(
        self, *, accounts_url: str, client: str, secret: str, timeout: float = 5.0
    ) -> None:
        self.accounts_url = accounts_url.rstrip("/")
        self.client = client
        self.secret = secret
        self.timeout = timeout
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[float, str]] = {}

    def token_for(self, audience_service: str) -> str:
        with self._lock:
            cached = self._tokens.get(audience_service)
            if cached and cached[0] > time.monotonic():
                return cached[1]
            response = requests.post(
                self.accounts_url + ISSUE_SERVICE_CREDENTIAL_PATH,
                json={"client": self.client, "secret": self.secret, "audience": audience_service},
                timeout=self.timeout,
            )
            response.raise_for_status()
            body = response.json()
            # Renew 30 s early so a token never expires in flight.
            self._tokens[audience_service] = (
                time.monotonic() + max(1, int(body["expires_in"]) - 30),
                str(body["access"]),
            )
            return str(body["access"])


def default_provider() -> ServiceTokenProvider:
    return ServiceTokenProvider(
        accounts_url=settings.ACCOUNTS_URL,
        client=settings.POCDEX_SERVICE,
        secret=settings.SERVICE_CLIENT_SECRET,
    )


def iter_pages(
    url: str, *, audience_service: str, provider: ServiceTokenProvider, timeout: float = 10.0
) -> Iterator[dict[str, Any]]:
    """Every item of a cursor-paginated internal list (``{"results", "next"}``)."""
    cursor: str | None = None
    while True:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        response = requests.get(
            url,
            params=params,
            headers={"Authorization": f"Bearer {provider.token_for(audience_service)}"},
            timeout=timeout,
        )
        response.raise_for_status()
        body = response.json()
        yield from body["results"]
        cursor = body.get("next")
        if not cursor:
            return


class ServiceAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "pocdex_shared.internal.ServiceAuthentication"
    name = "serviceAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A service token from POST /internal/v1/service-tokens (type service).",
        }
