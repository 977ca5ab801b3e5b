"""The organization's Git webhook secrets, for accounts' owner console (service token).

* ``GET /internal/v1/tenants/{tenant_id}/git-webhooks``: each supported Git
  host, whether it has a secret and since when, and its webhook address.
* ``POST /internal/v1/tenants/{tenant_id}/git-webhooks/{provider}/rotate``: a
  new secret (``{"actor": <person id>}``), shown in this answer only.

Service ``accounts`` only; who may rotate (owners) is accounts' rule, which
calls here on the owner's behalf. The organization comes from the path.
"""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from registry.internal_api import InternalView, organization

from .api import _provider
from .services import secret_rotate, secrets_status, webhook_url


class WebhookStatusSerializer(serializers.Serializer):
    provider = serializers.CharField()
    configured = serializers.BooleanField()
    created_at = serializers.DateTimeField(allow_null=True)
    webhook_url = serializers.CharField()


class WebhookSecretsView(InternalView):
    allowed_services = frozenset({"accounts"})

    @extend_schema(
        responses={200: WebhookStatusSerializer(many=True)},
        summary="Internal: the organization's Git webhooks (never their secrets)",
    )
    def get(self, request: Request, tenant_id: uuid.UUID) -> Response:
        with organization(tenant_id) as tenant:
            rows = [
                {
                    "provider": row.provider,
                    "configured": row.created_at is not None,
                    "created_at": row.created_at,
                    "webhook_url": webhook_url(
                        provider=row.provider, organization_slug=tenant.slug
                    ),
                }
                for row in secrets_status()
            ]
        return Response({"results": WebhookStatusSerializer(rows, many=True).data})


class RotateInput(serializers.Serializer):
    actor = serializers.UUIDField(help_text="The person who rotates (recorded with the secret).")


class WebhookSecretRotateView(InternalView):
    allowed_services = frozenset({"accounts"})

    @extend_schema(
        request=RotateInput,
        responses={
            201: inline_serializer(
                "InternalWebhookSecret",
                {
                    "provider": serializers.CharField(),
                    "secret": serializers.CharField(),
                    "webhook_url": serializers.CharField(),
                },
            )
        },
        summary="Internal: a new webhook secret for one Git host (shown once)",
    )
    def post(self, request: Request, tenant_id: uuid.UUID, provider: str) -> Response:
        provider = _provider(provider)
        data = RotateInput(data=request.data)
        data.is_valid(raise_exception=True)
        with organization(tenant_id) as tenant:
            secret = secret_rotate(provider=provider, actor_id=data.validated_data["actor"])
            url = webhook_url(provider=provider, organization_slug=tenant.slug)
        return Response(
            {"provider": provider, "secret": secret, "webhook_url": url},
            status=status.HTTP_201_CREATED,
        )
