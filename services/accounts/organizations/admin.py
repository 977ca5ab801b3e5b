"""Back office for platform staff: organizations, their members and status."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Domain, Invitation, Membership, Organization, ServiceProvision
from .services import organization_set_status


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]


class ProvisionInline(admin.TabularInline):
    model = ServiceProvision
    extra = 0
    fields = ["service", "provisioned_at"]
    readonly_fields = ["service", "provisioned_at"]
    can_delete = False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "plan", "member_count", "created_at"]
    list_filter = ["status", "plan", "created_at"]
    search_fields = ["name", "slug", "memberships__user__email"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    readonly_fields = ["id", "schema_name", "status", "created_at", "activated_at", "suspended_at"]
    fields = [
        "id",
        "name",
        "slug",
        "schema_name",
        "status",
        "plan",
        "limits",
        "locale",
        "created_at",
        "activated_at",
        "suspended_at",
    ]
    inlines = [MembershipInline, ProvisionInline]
    actions = ["suspend", "reactivate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return (
            super()
            .get_queryset(request)
            .annotate(_member_count=Count("memberships", distinct=True))
        )

    @admin.display(description=_("members"), ordering="_member_count")
    def member_count(self, obj: Organization) -> int:
        return getattr(obj, "_member_count", 0)

    def _set_status(
        self, request: HttpRequest, queryset: QuerySet[Organization], suspended: bool
    ) -> int:
        changed = 0
        for organization in queryset:
            before = organization.status
            after = organization_set_status(
                organization=organization,
                suspended=suspended,
                actor_id=getattr(request.user, "id", None),
            ).status
            changed += before != after
        return changed

    @admin.action(description=_("Suspend selected organizations"), permissions=["change"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        count = self._set_status(request, queryset, suspended=True)
        self.message_user(
            request,
            ngettext("%d organization suspended.", "%d organizations suspended.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Reactivate selected organizations"), permissions=["change"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        count = self._set_status(request, queryset, suspended=False)
        self.message_user(
            request,
            ngettext("%d organization reactivated.", "%d organizations reactivated.", count)
            % count,
            messages.SUCCESS,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Organization | None = None) -> bool:
        # Deleting would orphan every service's replica and schema; suspend instead.
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__name", "organization__slug", "organization__name"]
    autocomplete_fields = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "organization",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role"]
    search_fields = ["email", "organization__slug"]
    readonly_fields = [f.name for f in Invitation._meta.fields]


admin.site.register(Domain)
admin.site.site_header = _("Pocdex back office")
admin.site.site_title = _("Pocdex back office")
