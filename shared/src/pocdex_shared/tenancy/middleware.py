"""HTTP tenant resolution: Bearer access token → tenant replica → schema.

A bare tenant header is never trusted. Token problems are not answered here:
they are stored on the request and raised by ``TokenAuthentication`` so that
DRF renders them in the common error format, while plain views such as
``/healthz`` stay unaffected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection as _connection
from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import APIException

from pocdex_shared import observability

from . import revocation
from .resolution import tenant_for_token
from .tokencache import verify_access_token

# django-tenants' backend adds set_tenant() and set_schema_to_public(); the stubs know Django's.
connection: Any = _connection


def bearer_token(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or ""


class TenantFromTokenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.verified_token = None  # type: ignore[attr-defined]
        request.token_error = None  # type: ignore[attr-defined]
        connection.set_schema_to_public()
        raw = bearer_token(request)
        if raw is not None:
            try:
                token = verify_access_token(raw)
                revocation.check(token)
                tenant = tenant_for_token(token.tenant_id)
            except APIException as exc:
                request.token_error = exc  # type: ignore[attr-defined]
            else:
                request.verified_token = token  # type: ignore[attr-defined]
                request.tenant = tenant  # type: ignore[attr-defined]
                connection.set_tenant(tenant)
                observability.set_tenant(tenant.slug)
                observability.set_user(token.subject)
        try:
            return self.get_response(request)
        finally:
            connection.set_schema_to_public()
