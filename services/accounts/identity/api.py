"""The signed-in person: profile, email verification, password reset, two-factor."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from organizations.models import Membership, Organization

from . import throttling
from .authentication import current_membership, current_memberships, current_user
from .endpoints import PublicEndpoint
from .models import Locale, User
from .selectors import user_for_update
from .services import (
    email_verification_resend,
    email_verify,
    password_reset_confirm,
    password_reset_request,
    profile_update,
    totp_confirm,
    totp_disable,
    totp_start,
)


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    status = serializers.CharField()
    plan = serializers.CharField()


class MembershipRefSerializer(serializers.Serializer):
    organization = OrganizationRefSerializer()
    role = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    name = serializers.CharField()
    locale = serializers.CharField()
    email_verified = serializers.BooleanField()
    totp_enabled = serializers.BooleanField()
    organization = OrganizationRefSerializer()
    role = serializers.CharField()
    memberships = MembershipRefSerializer(many=True)


def _organization_ref(organization: Organization) -> dict[str, object]:
    return {
        "id": str(organization.id),
        "slug": organization.slug,
        "name": organization.name,
        "status": organization.status,
        "plan": organization.plan,
    }


def me_data(user: User, membership: Membership, memberships: list[Membership]) -> dict[str, object]:
    """The ``MeSerializer`` shape, built directly: this is the hottest read of the API."""
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "locale": user.locale,
        "email_verified": user.email_verified,
        "totp_enabled": user.totp_enabled,
        "organization": _organization_ref(membership.organization),
        "role": membership.role,
        "memberships": [
            {"organization": _organization_ref(m.organization), "role": m.role} for m in memberships
        ],
    }


def fresh_user(request: Request) -> User:
    """The person re-read from the database, for writes (the cached row is shared)."""
    return user_for_update(user_id=current_user(request).pk)


class MeView(APIView):
    class MeUpdate(serializers.Serializer):
        name = serializers.CharField(max_length=150, required=False)
        locale = serializers.ChoiceField(choices=Locale.choices, required=False)

    @extend_schema(responses={200: MeSerializer}, summary="Who am I, in which organization")
    def get(self, request: Request) -> Response:
        return Response(
            me_data(
                current_user(request), current_membership(request), current_memberships(request)
            )
        )

    @extend_schema(request=MeUpdate, responses={200: MeSerializer}, summary="Update my profile")
    def patch(self, request: Request) -> Response:
        data = self.MeUpdate(data=request.data)
        data.is_valid(raise_exception=True)
        user = profile_update(user=fresh_user(request), changes=data.validated_data)
        return Response(me_data(user, current_membership(request), current_memberships(request)))


class TokenInput(serializers.Serializer):
    token = serializers.CharField(max_length=1024)


class VerifyEmailView(PublicEndpoint):
    @extend_schema(
        request=TokenInput, responses={204: None}, auth=[], summary="Confirm an email address"
    )
    def post(self, request: Request) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        email_verify(token=data.validated_data["token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class ResendVerificationView(APIView):
    @extend_schema(request=None, responses={202: None}, summary="Send the verification mail again")
    def post(self, request: Request) -> Response:
        email_verification_resend(user=current_user(request))
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetView(PublicEndpoint):
    class PasswordResetInput(serializers.Serializer):
        email = serializers.EmailField(max_length=254)

    @extend_schema(
        request=PasswordResetInput,
        responses={202: None},
        auth=[],
        summary="Ask for a password reset mail (same answer whether or not the account exists)",
    )
    def post(self, request: Request) -> Response:
        data = self.PasswordResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_request(
            email=data.validated_data["email"], client_ip=throttling.client_ip(request._request)
        )
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(PublicEndpoint):
    class PasswordResetConfirmInput(serializers.Serializer):
        token = serializers.CharField(max_length=1024)
        new_password = serializers.CharField(max_length=1024, trim_whitespace=False)

    @extend_schema(
        request=PasswordResetConfirmInput,
        responses={204: None},
        auth=[],
        summary="Set a new password",
    )
    def post(self, request: Request) -> Response:
        data = self.PasswordResetConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_confirm(
            token=data.validated_data["token"], new_password=data.validated_data["new_password"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TotpView(APIView):
    class TotpDisableInput(serializers.Serializer):
        password = serializers.CharField(max_length=1024, trim_whitespace=False)
        code = serializers.CharField(max_length=32)

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "TotpStart",
                {"secret": serializers.CharField(), "otpauth_uri": serializers.CharField()},
            )
        },
        summary="Start two-factor enrollment",
    )
    def post(self, request: Request) -> Response:
        return Response(totp_start(user=fresh_user(request)))

    @extend_schema(request=TotpDisableInput, responses={204: None}, summary="Turn two-factor off")
    def delete(self, request: Request) -> Response:
        data = self.TotpDisableInput(data=request.data)
        data.is_valid(raise_exception=True)
        totp_disable(
            user=fresh_user(request),
            password=data.validated_data["password"],
            code=data.validated_data["code"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TotpConfirmView(APIView):
    class TotpConfirmInput(serializers.Serializer):
        code = serializers.CharField(max_length=12)

    @extend_schema(
        request=TotpConfirmInput,
        responses={
            200: inline_serializer(
                "TotpEnabled",
                {"recovery_codes": serializers.ListField(child=serializers.CharField())},
            )
        },
        summary="Confirm two-factor with a first code; returns recovery codes once",
    )
    def post(self, request: Request) -> Response:
        data = self.TotpConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        codes = totp_confirm(user=fresh_user(request), code=data.validated_data["code"])
        return Response({"recovery_codes": codes})
