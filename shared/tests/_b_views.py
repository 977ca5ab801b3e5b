"""Views the errors, observability and pagination tests drive through the real stack.

They authenticate nobody (``authentication_classes = []``) so that they test the
error contract, not the tenancy middleware in front of them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pocdex_shared.errors import ApiError, conflict, not_found
from pocdex_shared.jwt import InvalidToken
from pocdex_shared.pagination import CursorPagination


class Teapot(exceptions.APIException):
    status_code = 418
    default_code = "teapot"
    default_detail = "I am a teapot."


RAISERS: dict[str, Callable[[], Exception]] = {
    "api-error": lambda: ApiError("poc_not_found", "This POC does not exist.", status=404),
    "conflict": lambda: conflict("poc_name_taken", "Name taken."),
    "permission": exceptions.PermissionDenied,
    "permission-coded": lambda: exceptions.PermissionDenied(
        "This organization is suspended.", code="tenant_suspended"
    ),
    "not-found": exceptions.NotFound,
    "http404": lambda: Http404("No Poc matches the given query."),
    "django-permission": DjangoPermissionDenied,
    "throttled": lambda: exceptions.Throttled(wait=12.2),
    "token-expired": lambda: InvalidToken("token_expired"),
    "auth-failed": exceptions.AuthenticationFailed,
    "too-big": lambda: RequestDataTooBig("too big"),
    "teapot": Teapot,
    "bug": lambda: RuntimeError("password=hunter2 at db.internal:5432"),
}


class OpenView(APIView):
    authentication_classes: ClassVar[list[type[BaseAuthentication]]] = []
    permission_classes = (AllowAny,)


class AddressSerializer(serializers.Serializer[dict[str, Any]]):
    city = serializers.CharField(max_length=20)
    postal_code = serializers.RegexField(r"^\d{5}-\d{3}$")


class ContactSerializer(serializers.Serializer[dict[str, Any]]):
    email = serializers.EmailField()


class SignupSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=30)
    address = AddressSerializer()
    contacts = ContactSerializer(many=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=5))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["name"] == "taken":
            raise serializers.ValidationError("That name is taken.", code="name_taken")
        return attrs


class EchoView(OpenView):
    def post(self, request: Request) -> Response:
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data, status=201)


class RaiseView(OpenView):
    def get(self, request: Request, kind: str) -> Response:
        raise RAISERS[kind]()


class BodyLengthView(OpenView):
    """Reads ``request.body`` itself, where Django enforces its size limit lazily."""

    def post(self, request: Request) -> Response:
        return Response({"length": len(request.body)})


class UploadView(OpenView):
    """Multipart: files may exceed ``DATA_UPLOAD_MAX_MEMORY_SIZE``, fields may not."""

    def post(self, request: Request) -> Response:
        return Response({"size": request.FILES["file"].size})


class NoCredentials(BaseAuthentication):
    def authenticate(self, request: Request) -> None:
        return None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="tests"'


class ExpiredCredentials(NoCredentials):
    def authenticate(self, request: Request) -> None:
        raise InvalidToken("token_expired")


class PrivateView(APIView):
    authentication_classes = (NoCredentials,)
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        return Response({})


class ExpiredTokenView(PrivateView):
    authentication_classes = (ExpiredCredentials,)


class UserSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ("id", "username")


class UserListView(ListAPIView[User]):
    authentication_classes: ClassVar[list[type[BaseAuthentication]]] = []
    permission_classes = (AllowAny,)
    pagination_class = CursorPagination
    serializer_class = UserSerializer
    cursor_ordering = ("-date_joined",)

    def get_queryset(self) -> Any:
        return User.objects.filter(username__startswith="b-")


@csrf_exempt
def plain_json(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"received": json.loads(request.body)})


@csrf_exempt
def plain_body(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"length": len(request.body)})


def plain_api_error(request: HttpRequest) -> HttpResponse:
    raise not_found("thing_not_found", "No such thing.")


def plain_suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("Attempted access to '../etc/passwd' denied.")


def plain_bug(request: HttpRequest) -> HttpResponse:
    raise RAISERS["bug"]()


def plain_logs(request: HttpRequest) -> HttpResponse:
    logging.getLogger("tests.b.views").info("inside the view", extra={"poc": "p-1"})
    return JsonResponse({"ok": True})


def poc_detail(request: HttpRequest, poc_id: Any) -> HttpResponse:
    return JsonResponse({"id": str(poc_id)})


def _lose_the_database_session() -> None:
    """The server ends this session, as a failover or a restart of PostgreSQL would."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


class DatabaseLostView(OpenView):
    def get(self, request: Request) -> Response:
        _lose_the_database_session()
        return Response({"ok": True})


class DatabaseTimeoutView(OpenView):
    def get(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 1")
            try:
                cursor.execute("SELECT pg_sleep(1)")
            finally:
                cursor.execute("RESET statement_timeout")
        return Response({"ok": True})


class ClosedCursorView(OpenView):
    def get(self, request: Request) -> Response:
        cursor = connection.cursor()
        cursor.close()
        cursor.execute("SELECT 1")  # a bug: the cursor is closed, the database is fine
        return Response({"ok": True})


class DatabaseCountView(OpenView):
    def get(self, request: Request) -> Response:
        return Response({"users": User.objects.count()})


def plain_database_lost(request: HttpRequest) -> HttpResponse:
    _lose_the_database_session()
    return JsonResponse({"ok": True})


urlpatterns = [
    path("db/lost", DatabaseLostView.as_view(), name="b-db-lost"),
    path("db/count", DatabaseCountView.as_view(), name="b-db-count"),
    path("db/timeout", DatabaseTimeoutView.as_view(), name="b-db-timeout"),
    path("db/closed-cursor", ClosedCursorView.as_view(), name="b-db-closed-cursor"),
    path("plain/db-lost", plain_database_lost, name="b-plain-db-lost"),
    path("echo", EchoView.as_view(), name="b-echo"),
    path("raise/<str:kind>", RaiseView.as_view(), name="b-raise"),
    path("body-length", BodyLengthView.as_view(), name="b-body-length"),
    path("upload", UploadView.as_view(), name="b-upload"),
    path("private", PrivateView.as_view(), name="b-private"),
    path("expired", ExpiredTokenView.as_view(), name="b-expired"),
    path("users", UserListView.as_view(), name="b-users"),
    path("plain/json", plain_json, name="b-plain-json"),
    path("plain/body", plain_body, name="b-plain-body"),
    path("plain/api-error", plain_api_error, name="b-plain-api-error"),
    path("plain/suspicious", plain_suspicious, name="b-plain-suspicious"),
    path("plain/bug", plain_bug, name="b-plain-bug"),
    path("plain/logs", plain_logs, name="b-plain-logs"),
    path("pocs/<uuid:poc_id>", poc_detail, name="b-poc-detail"),
]
