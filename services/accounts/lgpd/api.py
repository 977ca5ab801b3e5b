"""The organization's data under the LGPD: exports, deletion and restore (ADR 0044)."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from identity import throttling
from identity.authentication import current_membership
from identity.endpoints import PublicEndpoint
from organizations.models import Role
from pocdex_shared.errors import ApiError
from pocdex_shared.errors import gettext_lazy as _
from pocdex_shared.pagination import CursorPagination

from .models import OrganizationDeletion, OrganizationExport
from .services import (
    deletion_of,
    deletion_request,
    deletion_restore,
    export_link,
    export_start,
    exports_of,
)


class ExportSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["pending", "running", "completed", "failed"])
    progress = serializers.IntegerField(min_value=0, max_value=100)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.URLField(allow_null=True, help_text="Presigned, expiring link.")
    download_expires_at = serializers.DateTimeField(allow_null=True)


def export_data(export: OrganizationExport) -> dict[str, Any]:
    link = export_link(export)
    return {
        "id": export.id,
        "status": export.status,
        "progress": export.progress,
        "created_at": export.created_at,
        "finished_at": export.finished_at,
        "download_url": link[0] if link else None,
        "download_expires_at": link[1] if link else None,
    }


def _admin_only(request: Request) -> Any:
    membership = current_membership(request)
    if membership.role not in (Role.OWNER, Role.ADMIN):
        raise ApiError("export_forbidden", _("Only owners and admins can do this."), status=403)
    return membership


class ExportsPagination(CursorPagination):
    ordering = ("-created_at", "id")


class ExportListView(APIView):
    @extend_schema(
        request=None,
        responses={202: ExportSerializer},
        summary="Export everything the organization has (owner or admin)",
        description="Starts a job that writes every service's data (JSON and files) into one "
        "zip archive in the organization's bucket; the requester gets an email with an "
        "expiring link. 409 export_in_progress while another export runs.",
    )
    def post(self, request: Request) -> Response:
        export = export_start(actor=_admin_only(request))
        return Response(export_data(export), status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={200: ExportSerializer(many=True)}, summary="List the organization's exports"
    )
    def get(self, request: Request) -> Response:
        membership = _admin_only(request)
        paginator = ExportsPagination()
        page = paginator.paginate_queryset(exports_of(membership.organization), request, view=self)
        return paginator.get_paginated_response([export_data(e) for e in page])


class ExportDetailView(APIView):
    @extend_schema(responses={200: ExportSerializer}, summary="An export, its progress and link")
    def get(self, request: Request, export_id: uuid.UUID) -> Response:
        membership = _admin_only(request)
        export = exports_of(membership.organization).filter(id=export_id).first()
        if export is None:
            raise ApiError("export_not_found", _("No such export."), status=404)
        return Response(export_data(export))


class DeletionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["pending_deletion"])
    requested_at = serializers.DateTimeField()
    purge_after = serializers.DateTimeField()


def deletion_data(deletion: OrganizationDeletion) -> dict[str, Any]:
    return {
        "status": "pending_deletion",
        "requested_at": deletion.requested_at,
        "purge_after": deletion.purge_after,
    }


class DeletionView(APIView):
    class DeletionInput(serializers.Serializer):
        password = serializers.CharField(max_length=1024, trim_whitespace=False)
        otp = serializers.CharField(max_length=32, required=False, allow_blank=True)
        confirmation = serializers.CharField(
            max_length=63, help_text="The organization's slug, typed again."
        )

    @extend_schema(
        request=DeletionInput,
        responses={202: DeletionSerializer},
        summary="Delete the organization (owner; password, code and typed slug)",
        description="The organization enters pending_deletion: every service refuses its "
        "tokens, and after LGPD_DELETION_GRACE_DAYS it is purged from every service. Until "
        "then the owner may restore it (POST /api/v1/organization/restore).",
    )
    def post(self, request: Request) -> Response:
        data = self.DeletionInput(data=request.data)
        data.is_valid(raise_exception=True)
        deletion = deletion_request(
            actor=current_membership(request),
            password=data.validated_data["password"],
            otp=data.validated_data.get("otp") or None,
            confirmation=data.validated_data["confirmation"],
        )
        return Response(deletion_data(deletion), status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: DeletionSerializer}, summary="The pending deletion, if any")
    def get(self, request: Request) -> Response:
        deletion = deletion_of(current_membership(request).organization)
        if deletion is None:
            raise ApiError(
                "deletion_not_pending", _("This organization is not being deleted."), status=404
            )
        return Response(deletion_data(deletion))


class RestoreOutput(serializers.Serializer):
    id = serializers.UUIDField()
    slug = serializers.CharField()
    status = serializers.CharField()


class RestoreView(PublicEndpoint):
    class RestoreInput(serializers.Serializer):
        organization = serializers.CharField(max_length=63)
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=1024, trim_whitespace=False)
        otp = serializers.CharField(max_length=32, required=False, allow_blank=True)

    @extend_schema(
        request=RestoreInput,
        responses={200: RestoreOutput},
        auth=[],
        summary="Restore an organization during its grace period (owner)",
        description="The organization's tokens are refused while it waits for its purge, so "
        "the owner proves who they are here as at login (password, and the code when "
        "two-factor is on). 409 grace_period_over once the purge started.",
    )
    def post(self, request: Request) -> Response:
        data = self.RestoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        throttling.hit("login_ip", throttling.client_ip(request._request))
        throttling.hit(
            "login_account", f"{values['organization'].lower()}:{values['email'].lower()}"
        )
        organization = deletion_restore(
            organization_slug=values["organization"],
            email=values["email"],
            password=values["password"],
            otp=values.get("otp") or None,
        )
        return Response(
            {"id": organization.id, "slug": organization.slug, "status": organization.status}
        )
