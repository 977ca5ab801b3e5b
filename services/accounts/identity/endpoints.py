"""The base of every endpoint that serves callers without a session.

Login, refresh, logout, signup, email verification, password reset, invitation
acceptance and the internal token exchange authenticate by what the body
carries, never by a Bearer token. The apps attach their access token to every
request, and the tenant middleware has already moved the connection to the
schema of whatever organization that token names. Such an endpoint must not
behave differently because an unrelated token came along, so before its
handler runs it goes back to the public schema and forgets the token's
tenant (ADR 0018).
"""

from __future__ import annotations

from typing import Any

from django.db import connection as _connection
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from pocdex_shared import observability

# django-tenants' backend adds set_schema_to_public(); the stubs know Django's.
connection: Any = _connection


class PublicEndpoint(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        connection.set_schema_to_public()
        plain = request._request
        plain.verified_token = None  # type: ignore[attr-defined]
        plain.token_error = None  # type: ignore[attr-defined]
        if hasattr(plain, "tenant"):
            del plain.tenant
        observability.set_tenant(None)
        observability.set_user(None)
        super().initial(request, *args, **kwargs)
