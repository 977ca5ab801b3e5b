"""Git host webhooks (signed, per organization) and the push activity of a POC."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pocdex_shared.errors import ApiError
from pocdex_shared.pagination import CursorPagination
from pocdex_shared.tenancy.scope import Require, TenantUnavailable, tenant_scope
from registry.api import actor_of
from registry.selectors import poc_get

from .models import PushActivity
from .services import PROVIDERS, parse_push, push_record, secret_rotate, verify, webhook_url


def _provider(value: str) -> str:
    if value not in PROVIDERS:
        raise ApiError(
            "provider_not_supported", _("Supported Git hosts: github, gitlab."), status=404
        )
    return value


def organization_not_found() -> ApiError:
    return ApiError("organization_not_found", _("No such organization."), status=404)


class WebhookView(APIView):
    """Called by GitHub or GitLab; authenticated by the organization's secret, not a token."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "organization", str, required=True, description="The organization's slug."
            )
        ],
        request=None,
        responses={
            200: inline_serializer(
                "WebhookResult",
                {"event": serializers.CharField(), "recorded": serializers.IntegerField()},
            )
        },
        auth=[],
        summary="Git host webhook (GitHub: X-Hub-Signature-256; GitLab: X-Gitlab-Token)",
    )
    def post(self, request: Request, provider: str) -> Response:
        provider = _provider(provider)
        slug = request.query_params.get("organization", "").strip().lower()
        if not slug:
            raise organization_not_found()
        body = request._request.body
        headers = request.headers  # case-insensitive
        try:
            # Work from outside: active organizations only (ADR 0025). Unknown,
            # suspended and unready organizations look the same from outside.
            with tenant_scope(slug=slug, require=Require.ACTIVE):
                return _receive(provider, body, headers)
        except TenantUnavailable:
            raise organization_not_found() from None


def _receive(provider: str, body: bytes, headers: Any) -> Response:
    """A verified delivery, in the organization's schema."""
    verify(provider=provider, body=body, headers=headers)
    event = headers.get("X-GitHub-Event") or headers.get("X-Gitlab-Event") or ""
    if event == "ping":
        return Response({"event": "ping", "recorded": 0})
    if event not in {"push", "Push Hook"}:
        return Response({"event": event, "recorded": 0}, status=status.HTTP_202_ACCEPTED)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError("malformed_json", _("The request body is not valid JSON.")) from None
    if not isinstance(payload, dict):
        raise ApiError("malformed_json", _("The request body is not a JSON object."))
    delivery = (
        headers.get("X-GitHub-Delivery")
        or headers.get("X-Gitlab-Event-UUID")
        or hashlib.sha256(body).hexdigest()
    )
    push = parse_push(provider=provider, payload=payload, delivery_id=delivery)
    recorded = push_record(provider=provider, push=push)
    return Response({"event": "push", "recorded": recorded})


class SecretView(APIView):
    @extend_schema(
        request=None,
        responses={
            201: inline_serializer(
                "WebhookSecret",
                {"secret": serializers.CharField(), "webhook_url": serializers.CharField()},
            )
        },
        summary="Create or rotate the organization's webhook secret (owners and admins)",
    )
    def post(self, request: Request, provider: str) -> Response:
        provider = _provider(provider)
        actor = actor_of(request)
        if not actor.is_admin:
            raise ApiError(
                "permission_denied", _("Only owners and admins configure Git hosts."), status=403
            )
        secret = secret_rotate(provider=provider, actor_id=actor.id)
        url = webhook_url(provider=provider, organization_slug=actor.require_tenant().slug)
        return Response({"secret": secret, "webhook_url": url}, status=status.HTTP_201_CREATED)


class PushActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = PushActivity
        fields = ["id", "provider", "ref", "head_commit", "commit_count", "pusher", "pushed_at"]


class ActivityPagination(CursorPagination):
    ordering = ("-pushed_at", "id")


class PocActivityView(APIView):
    @extend_schema(
        responses={200: PushActivitySerializer(many=True)},
        summary="Pushes to the POC's repository, newest first",
    )
    def get(self, request: Request, poc_id: uuid.UUID) -> Response:
        poc = poc_get(actor=actor_of(request), poc_id=poc_id)
        paginator = ActivityPagination()
        page = paginator.paginate_queryset(PushActivity.objects.filter(poc=poc), request, view=self)
        return paginator.get_paginated_response(PushActivitySerializer(page, many=True).data)
