"""Routes of the tenancy tests, under ``/tenancy/`` (see ``tests/urls.py``)."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tests.tenantdata.models import Note


class NoteSerializer(serializers.ModelSerializer[Note]):
    class Meta:
        model = Note
        fields = ("id", "text")


class NoteListView(APIView):
    """The current tenant's notes; authentication and permission come from the settings."""

    def get(self, request: Request) -> Response:
        notes = NoteSerializer(Note.objects.order_by("id"), many=True).data
        return Response({"schema": connection.schema_name, "user": request.user.id, "notes": notes})

    def post(self, request: Request) -> Response:
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data, status=201)


class FailingNoteView(APIView):
    """Fails with a bug after the tenant was activated."""

    def get(self, request: Request) -> Response:
        Note.objects.count()
        raise RuntimeError("bug in a tenant view")


def active_schema(request: HttpRequest) -> HttpResponse:
    """A plain view (no DRF authentication): which schema the middleware left active."""
    tenant = getattr(request, "tenant", None)
    return JsonResponse(
        {"schema": connection.schema_name, "tenant": tenant.slug if tenant else None}
    )


urlpatterns = [
    path("notes", NoteListView.as_view(), name="tenancy-notes"),
    path("failing", FailingNoteView.as_view(), name="tenancy-failing"),
    path("schema", active_schema, name="tenancy-schema"),
]
