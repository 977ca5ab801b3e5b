from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Device

_FIELDS = (
    "id",
    "organization",
    "user",
    "platform",
    "token_end",
    "locale",
    "app_version",
    "active",
    "endpoint_arn",
    "created_at",
    "last_seen_at",
    "deactivated_at",
)


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    """Read-only: devices are the apps' to register; the token shows only its last characters."""

    list_display = [
        "platform",
        "token_end",
        "user",
        "organization",
        "locale",
        "active",
        "last_seen_at",
    ]
    list_filter = ["platform", "active", "locale"]
    search_fields = ["user__email", "organization__slug"]
    list_select_related = ["user", "organization"]
    fields = _FIELDS
    readonly_fields = _FIELDS

    @admin.display(description=_("token (end)"))
    def token_end(self, device: Device) -> str:
        return f"…{device.token_suffix}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
