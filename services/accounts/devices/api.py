"""``/api/v1/devices``: the caller's phones that receive push notifications in this organization."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from identity.authentication import current_membership
from identity.models import Locale
from pocdex_shared.pagination import CursorPagination

from .models import Device, Platform
from .selectors import devices_of
from .services import device_register, device_remove

MAX_TOKEN_LENGTH = 1024
# APNs: the device token as hex (32 bytes today; Apple allows it to grow).
_APNS_TOKEN = re.compile(r"[0-9a-fA-F]{64,400}")
# FCM: registration tokens are base64url text with a colon ("<id>:APA91b…").
_FCM_TOKEN = re.compile(r"[A-Za-z0-9_\-:+/]{32,1024}={0,2}")


class DeviceSerializer(serializers.ModelSerializer):
    token_suffix = serializers.CharField(
        read_only=True, help_text="The last 6 characters of the device token."
    )

    class Meta:
        model = Device
        fields = ["id", "platform", "token_suffix", "locale", "created_at", "last_seen_at"]
        read_only_fields = fields


class DeviceInput(serializers.Serializer):
    platform = serializers.ChoiceField(
        choices=Platform.choices, help_text="`apns` (iOS) or `fcm` (Android)."
    )
    token = serializers.CharField(
        max_length=MAX_TOKEN_LENGTH,
        help_text="The token the OS gave the app: hex for APNs, the FCM registration token.",
    )
    locale = serializers.ChoiceField(
        choices=Locale.choices,
        required=False,
        help_text="Language of the notices on this device; the person's language when left out.",
    )
    app_version = serializers.CharField(max_length=32, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        token = attrs["token"]
        if attrs["platform"] == Platform.APNS:
            if not _APNS_TOKEN.fullmatch(token):
                raise serializers.ValidationError(
                    {
                        "token": serializers.ErrorDetail(
                            str(_("An APNs device token is 64 to 400 hexadecimal characters.")),
                            code="invalid_device_token",
                        )
                    }
                )
            attrs["token"] = token.lower()
        elif not _FCM_TOKEN.fullmatch(token):
            raise serializers.ValidationError(
                {
                    "token": serializers.ErrorDetail(
                        str(
                            _(
                                "An FCM registration token is 32 to 1024 characters of "
                                "letters, digits and - _ : + /."
                            )
                        ),
                        code="invalid_device_token",
                    )
                }
            )
        return attrs


class DevicesPagination(CursorPagination):
    ordering = ("-created_at", "id")


class DevicePage(serializers.Serializer):
    results = DeviceSerializer(many=True)
    next = serializers.CharField(
        allow_null=True,
        help_text="Opaque cursor of the next page; null on the last page. "
        "Pass it back unchanged as `cursor`.",
    )


PAGE_PARAMETERS = [
    OpenApiParameter(
        "cursor", str, description="The `next` value of the previous page; omit for the first page."
    ),
    OpenApiParameter("limit", int, description="Page size, 1 to 100 (default 20)."),
]


class DeviceListView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: DevicePage},
        summary="My devices in this organization",
        description="The caller's devices registered for push notifications in the organization "
        "of the access token (active ones: a device whose token the platform refused is left "
        "out until the app registers it again).",
    )
    def get(self, request: Request) -> Response:
        paginator = DevicesPagination()
        page = paginator.paginate_queryset(
            devices_of(current_membership(request)), request, view=self
        )
        return paginator.get_paginated_response(DeviceSerializer(page, many=True).data)

    @extend_schema(
        request=DeviceInput,
        responses={
            201: DeviceSerializer,
            200: OpenApiResponse(
                DeviceSerializer,
                description="This person already registered this token in this organization: "
                "the same device, seen now (locale and app version updated when given).",
            ),
        },
        summary="Register this device for push notifications",
        description="The apps call it after login and whenever the OS gives a new token. The "
        'device receives the organization\'s notices for the caller ("your video is ready") '
        "in its locale. A token registered before by another session moves to the caller.",
    )
    def post(self, request: Request) -> Response:
        data = DeviceInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = device_register(
            membership=current_membership(request),
            platform=data.validated_data["platform"],
            token=data.validated_data["token"],
            locale=data.validated_data.get("locale"),
            app_version=data.validated_data.get("app_version"),
        )
        return Response(
            DeviceSerializer(registration.device).data,
            status=status.HTTP_201_CREATED if registration.created else status.HTTP_200_OK,
        )


class DeviceDetailView(APIView):
    @extend_schema(
        responses={204: None},
        summary="Stop push notifications to a device",
        description="The apps call it at logout. Another person's or another organization's "
        "device is 404 not_found.",
    )
    def delete(self, request: Request, device_id: uuid.UUID) -> Response:
        device_remove(membership=current_membership(request), device_id=device_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
