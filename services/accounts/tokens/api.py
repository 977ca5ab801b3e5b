"""Login, refresh, logout and the published keys."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from identity import throttling
from identity.endpoints import PublicEndpoint
from identity.services import login_check

from .keys import jwks
from .services import TokenPair, tokens_issue, tokens_refresh, tokens_revoke_family


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")
    refresh_expires_at = serializers.DateTimeField()


def token_pair_data(pair: TokenPair) -> dict[str, object]:
    return {
        "access": pair.access,
        "refresh": pair.refresh,
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
        "refresh_expires_at": pair.refresh_expires_at,
    }


class LoginView(PublicEndpoint):
    class LoginInput(serializers.Serializer):
        organization = serializers.CharField(max_length=63, help_text="Organization slug.")
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=1024, trim_whitespace=False)
        otp = serializers.CharField(
            max_length=32,
            required=False,
            allow_blank=True,
            help_text="TOTP code or a recovery code, when 2FA is on.",
        )

    @extend_schema(
        request=LoginInput,
        responses={200: TokenPairSerializer},
        auth=[],
        summary="Log in to one organization",
        description="403 `two_factor_required` when the organization requires two-factor "
        "authentication of every member and this person has it off (after the password).",
    )
    def post(self, request: Request) -> Response:
        data = self.LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = login_check(
            organization_slug=data.validated_data["organization"],
            email=data.validated_data["email"],
            password=data.validated_data["password"],
            otp=data.validated_data.get("otp") or "",
            client_ip=throttling.client_ip(request._request),
        )
        pair = tokens_issue(user=membership.user, membership=membership)
        return Response(token_pair_data(pair))


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField(max_length=256)


class RefreshView(PublicEndpoint):
    @extend_schema(
        request=RefreshInput,
        responses={200: TokenPairSerializer},
        auth=[],
        summary="Rotate a refresh token",
        description="403 `two_factor_required` when the organization has come to require "
        "two-factor authentication and this person has it off.",
    )
    def post(self, request: Request) -> Response:
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        throttling.hit("refresh_ip", throttling.client_ip(request._request))
        pair = tokens_refresh(raw_refresh=data.validated_data["refresh"])
        return Response(token_pair_data(pair))


class LogoutView(PublicEndpoint):
    @extend_schema(
        request=RefreshInput,
        responses={204: None},
        auth=[],
        summary="End the session (revokes the refresh token family)",
    )
    def post(self, request: Request) -> Response:
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        tokens_revoke_family(raw_refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(responses={200: inline_serializer("Jwks", {"keys": serializers.ListField()})})
@require_GET
def jwks_view(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response
