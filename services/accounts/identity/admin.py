from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from organizations.models import Membership

from .backoffice import StaffAuthenticationForm
from .models import User

# Throttled, and with the second factor of staff who turned it on.
admin.site.login_form = StaffAuthenticationForm


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["organization", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "name",
        "locale",
        "is_staff",
        "is_active",
        "totp_enabled",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_active", "totp_enabled", "locale"]
    search_fields = ["email", "name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("name", "locale", "email_verified_at", "totp_enabled")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),
    )
    readonly_fields = ["totp_enabled", "email_verified_at", "last_login", "date_joined"]
