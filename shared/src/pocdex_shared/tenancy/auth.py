"""DRF authentication over what ``TenantFromTokenMiddleware`` verified."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from pocdex_shared.callers import Caller
from pocdex_shared.jwt import VerifiedToken


class TokenAuthentication(BaseAuthentication):
    """Authenticates with the access token the middleware already verified.

    Subclasses may override ``get_user`` to load a richer user (accounts does).
    """

    def authenticate(self, request: Request) -> tuple[Any, VerifiedToken] | None:
        django_request = request._request
        error = getattr(django_request, "token_error", None)
        if error is not None:
            raise error
        token: VerifiedToken | None = getattr(django_request, "verified_token", None)
        if token is None:
            return None
        return self.get_user(token, request), token

    def get_user(self, token: VerifiedToken, request: Request) -> Any:
        return Caller.from_token(token, tenant=getattr(request._request, "tenant", None))

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="pocdex"'


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "pocdex_shared.tenancy.auth.TokenAuthentication"
    name = "bearerAuth"
    match_subclasses = True

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
