"""Internal endpoints for the other services (never routed by the gateway).

* ``POST /internal/v1/service-tokens``: client credentials → a service token
  for one audience (``pocdex-<target>``), type ``service``.
* ``GET /internal/v1/tenants``: every organization as its replica payload, for
  services that need to catch up (``sync_tenants``).
* ``GET /internal/v1/tenants/<id>``: one organization's replica payload, for a
  service that meets a token of an organization it has not heard of yet.
"""

from __future__ import annotations

import hmac
import uuid

import jwt
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from identity import throttling
from identity.endpoints import PublicEndpoint
from organizations.models import Organization
from pocdex_shared.errors import ApiError
from pocdex_shared.internal import IsService, ServiceAuthentication
from pocdex_shared.pagination import CursorPagination

from .keys import signing_key

SERVICES = ("accounts", "pocs", "dojo", "media")


def service_token_for(*, client: str, audience_service: str) -> str:
    now = timezone.now()
    kid, private_key = signing_key()
    claims = {
        "iss": settings.JWT_ISSUER,
        "aud": f"pocdex-{audience_service}",
        "sub": f"service:{client}",
        "typ": "service",
        "iat": int(now.timestamp()),
        "exp": int((now + settings.SERVICE_TOKEN_TTL).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid, "typ": "JWT"})


class ServiceTokenInput(serializers.Serializer):
    client = serializers.CharField(max_length=32)
    secret = serializers.CharField(max_length=256, trim_whitespace=False)
    audience = serializers.ChoiceField(choices=SERVICES)


class ServiceTokenView(PublicEndpoint):
    @extend_schema(
        request=ServiceTokenInput,
        responses={
            200: inline_serializer(
                "ServiceToken",
                {"access": serializers.CharField(), "expires_in": serializers.IntegerField()},
            )
        },
        auth=[],
        summary="Internal: a service token for one audience (client credentials)",
    )
    def post(self, request: Request) -> Response:
        data = ServiceTokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        throttling.hit("service_token_ip", throttling.client_ip(request._request))
        client = data.validated_data["client"]
        expected = settings.SERVICE_CLIENTS.get(client, "")
        given = data.validated_data["secret"]
        if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
            raise ApiError("invalid_client", _("Unknown service or wrong secret."), status=401)
        token = service_token_for(client=client, audience_service=data.validated_data["audience"])
        return Response(
            {"access": token, "expires_in": int(settings.SERVICE_TOKEN_TTL.total_seconds())}
        )


class TenantPayloadSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    slug = serializers.SlugField()
    schema_name = serializers.CharField()
    status = serializers.CharField()
    plan = serializers.CharField()
    limits = serializers.DictField()


class TenantsPagination(CursorPagination):
    ordering = ("created_at", "id")


class TenantListView(APIView):
    authentication_classes = [ServiceAuthentication]
    permission_classes = [IsService]

    @extend_schema(
        responses={200: TenantPayloadSerializer(many=True)},
        summary="Internal: every organization as other services replicate it",
    )
    def get(self, request: Request) -> Response:
        paginator = TenantsPagination()
        page = paginator.paginate_queryset(Organization.objects.all(), request, view=self)
        return paginator.get_paginated_response([org.replica_payload() for org in page])


class TenantDetailView(APIView):
    authentication_classes = [ServiceAuthentication]
    permission_classes = [IsService]

    @extend_schema(
        responses={200: TenantPayloadSerializer},
        summary="Internal: one organization as other services replicate it",
    )
    def get(self, request: Request, tenant_id: uuid.UUID) -> Response:
        organization = Organization.objects.filter(id=tenant_id).first()
        if organization is None:
            raise ApiError("tenant_not_found", _("No such organization."), status=404)
        return Response(organization.replica_payload())
