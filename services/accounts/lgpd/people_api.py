"""A person's own data under the LGPD: ``/api/v1/me/exports`` and ``DELETE /api/v1/me`` (ADR 0047)."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from identity import api as identity_api
from identity.authentication import current_user
from pocdex_shared.errors import ApiError
from pocdex_shared.errors import gettext_lazy as _
from pocdex_shared.pagination import CursorPagination

from .api import ExportSerializer
from .models import PersonExport
from .people import person_delete, person_export_link, person_export_start, person_exports_of


def person_export_data(export: PersonExport) -> dict[str, Any]:
    link = person_export_link(export)
    return {
        "id": export.id,
        "status": export.status,
        "progress": export.progress,
        "created_at": export.created_at,
        "finished_at": export.finished_at,
        "download_url": link[0] if link else None,
        "download_expires_at": link[1] if link else None,
    }


class PersonExportsPagination(CursorPagination):
    ordering = ("-created_at", "id")


class PersonExportListView(APIView):
    @extend_schema(
        request=None,
        responses={202: ExportSerializer},
        summary="Export my personal data from every organization I belong to",
        description="Starts a job that gathers the person's profile, memberships, devices, "
        "sessions and audit entries, and from every service what they authored or did in "
        "each of their organizations (with the files), into one zip archive; a mail in the "
        "person's language brings an expiring link. 409 export_in_progress while one runs.",
    )
    def post(self, request: Request) -> Response:
        export = person_export_start(user=current_user(request))
        return Response(person_export_data(export), status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: ExportSerializer(many=True)}, summary="My data exports")
    def get(self, request: Request) -> Response:
        paginator = PersonExportsPagination()
        page = paginator.paginate_queryset(
            person_exports_of(current_user(request)), request, view=self
        )
        return paginator.get_paginated_response([person_export_data(e) for e in page])


class PersonExportDetailView(APIView):
    @extend_schema(responses={200: ExportSerializer}, summary="One of my exports and its link")
    def get(self, request: Request, export_id: uuid.UUID) -> Response:
        export = person_exports_of(current_user(request)).filter(id=export_id).first()
        if export is None:
            raise ApiError("export_not_found", _("No such export."), status=404)
        return Response(person_export_data(export))


class PersonDeletionInput(serializers.Serializer):
    password = serializers.CharField(max_length=1024, trim_whitespace=False)
    otp = serializers.CharField(max_length=32, required=False, allow_blank=True)
    confirmation = serializers.CharField(max_length=254, help_text="Your email, typed again.")


class MeView(identity_api.MeView):
    """``/api/v1/me``: the profile (identity) and the person's own deletion."""

    @extend_schema(
        request=PersonDeletionInput,
        responses={204: None},
        summary="Delete me (password, code when two-factor is on, email typed again)",
        description="409 sole_owner while the person is the only owner of an organization "
        "with other members (transfer ownership or delete it first). Organizations where "
        "the person is alone are deleted with them (purged by the next sweep, no grace "
        "period). Memberships, devices, sessions and invitations go; what the person "
        'authored stays with each organization under the name "Deleted person".',
    )
    def delete(self, request: Request) -> Response:
        data = PersonDeletionInput(data=request.data)
        data.is_valid(raise_exception=True)
        person_delete(
            user=current_user(request),
            password=data.validated_data["password"],
            otp=data.validated_data.get("otp") or None,
            confirmation=data.validated_data["confirmation"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
