"""Two-factor enrollment for a person an organization's two-factor rule keeps out.

An organization may require two-factor of every member
(``organizations.two_factor``); its members without it get no tokens
(``two_factor_required``), so they cannot reach ``/me/totp``. These two public
endpoints let them turn it on with their password, then log in with a code.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from . import throttling
from .endpoints import PublicEndpoint
from .models import User
from .services import totp_confirm, totp_start, two_factor_enrollment_check


class EnrollmentInput(serializers.Serializer):
    organization = serializers.CharField(max_length=63, help_text="Organization slug.")
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)


def _person(request: Request, data: dict[str, str]) -> User:
    return two_factor_enrollment_check(
        organization_slug=data["organization"],
        email=data["email"],
        password=data["password"],
        client_ip=throttling.client_ip(request._request),
    )


class TotpEnrollmentView(PublicEndpoint):
    @extend_schema(
        request=EnrollmentInput,
        responses={
            200: inline_serializer(
                "TotpEnrollmentStart",
                {"secret": serializers.CharField(), "otpauth_uri": serializers.CharField()},
            )
        },
        auth=[],
        summary="Start two-factor enrollment when the organization requires it",
        description="For a member whose login answers 403 `two_factor_required`: the same "
        "checks and budgets as a login, then a new TOTP secret. 409 "
        "`two_factor_enrollment_not_needed` for anyone else (they log in and use /me/totp).",
    )
    def post(self, request: Request) -> Response:
        data = EnrollmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(totp_start(user=_person(request, data.validated_data)))


class TotpEnrollmentConfirmView(PublicEndpoint):
    class ConfirmInput(EnrollmentInput):
        code = serializers.CharField(max_length=12)

    @extend_schema(
        request=ConfirmInput,
        responses={
            200: inline_serializer(
                "TotpEnrollmentEnabled",
                {"recovery_codes": serializers.ListField(child=serializers.CharField())},
            )
        },
        auth=[],
        summary="Confirm two-factor enrollment with a first code; returns recovery codes once",
        description="Then log in with a code (POST /api/v1/auth/token with `otp`).",
    )
    def post(self, request: Request) -> Response:
        data = self.ConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = _person(request, data.validated_data)
        return Response(
            {"recovery_codes": totp_confirm(user=user, code=data.validated_data["code"])}
        )
