"""REST API of the dojo service: dojos, join/start/end, tickets, retrospective, replay."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, cast

from asgiref.sync import async_to_sync
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pocdex_shared.callers import Caller
from pocdex_shared.errors import ApiError
from pocdex_shared.jwt import VerifiedToken
from pocdex_shared.pagination import CursorPagination
from pocdex_shared.tenancy.asgi import TICKET_TTL_SECONDS

from . import commands, selectors, services
from .engine import Change
from .live import instance
from .models import Dojo, DojoStatus, Visibility
from .rules import DojoError, can_run
from .wire import whole_number


def actor_of(request: Request) -> Caller:
    return cast(Caller, request.user)


def publish(dojo: Dojo, events: list[dict[str, Any]]) -> None:
    """Broadcast events to connected members once the transaction has committed."""
    if events:
        async_to_sync(instance.publish)(_schema(), dojo.id, events)


def _schema() -> str:
    from django.db import connection

    return str(connection.schema_name)  # type: ignore[attr-defined]


def run(command: Any, *args: Any) -> Change:
    try:
        return cast(Change, command(*args))
    except DojoError as exc:
        raise exc.as_api_error() from None


def _validated(serializer: serializers.Serializer) -> dict[str, Any]:
    # Invalid fields are the platform's ``validation_error`` (pocdex_shared.errors).
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# ------------------------------------------------------------------ serializers


class PersonSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(allow_blank=True)


class ParticipantSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="user_id")
    name = serializers.CharField(allow_blank=True)
    joined_at = serializers.DateTimeField()
    seconds_as_piloto = serializers.IntegerField()
    turns_as_piloto = serializers.IntegerField()


class RetrospectiveSerializer(serializers.Serializer):
    notes = serializers.CharField(source="retrospective", allow_blank=True)
    updated_at = serializers.DateTimeField(source="retrospective_updated_at", allow_null=True)
    attached_to_poc_at = serializers.DateTimeField(
        source="retrospective_attached_at", allow_null=True
    )


class DojoSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    kata = serializers.CharField(allow_blank=True, help_text="The kata statement, in Markdown.")
    language = serializers.CharField()
    rotation_minutes = serializers.IntegerField()
    scheduled_at = serializers.DateTimeField()
    poc_id = serializers.UUIDField(allow_null=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    invitees = serializers.ListField(child=serializers.UUIDField())
    copiloto_may_edit = serializers.BooleanField()
    facilitator = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=DojoStatus.choices)
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    retrospective = serializers.SerializerMethodField()
    can_run = serializers.SerializerMethodField()

    @extend_schema_field(PersonSerializer)
    def get_facilitator(self, dojo: Dojo) -> dict[str, str]:
        return {"id": str(dojo.facilitator_id), "name": dojo.facilitator_name}

    def get_retrospective(self, dojo: Dojo) -> dict[str, Any]:
        return dict(RetrospectiveSerializer(dojo).data)

    def get_can_run(self, dojo: Dojo) -> bool:
        return can_run(self.context["actor"], dojo)


class DojoDetailSerializer(DojoSerializer):
    participants = serializers.SerializerMethodField()

    def get_participants(self, dojo: Dojo) -> list[dict[str, Any]]:
        rows = selectors.participants_of(dojo=dojo)
        return list(ParticipantSerializer(rows, many=True).data)


class DojoInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kata = serializers.CharField(max_length=20_000, allow_blank=True, required=False, default="")
    language = serializers.CharField(max_length=64)
    rotation_minutes = serializers.IntegerField(min_value=1, max_value=30, default=5)
    scheduled_at = serializers.DateTimeField()
    poc_id = serializers.UUIDField(allow_null=True, required=False, default=None)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.TEAM)
    invitees = serializers.ListField(
        child=serializers.UUIDField(), max_length=200, required=False, default=list
    )
    copiloto_may_edit = serializers.BooleanField(default=False)

    def validate_title(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("The title is empty."), code="blank")
        return value

    def validate_scheduled_at(self, value: Any) -> Any:
        if self.instance is None and value < timezone.now() - timedelta(days=1):
            raise serializers.ValidationError(
                _("A new dojo cannot be scheduled in the past."), code="in_the_past"
            )
        return value


class RetrospectiveInput(serializers.Serializer):
    notes = serializers.CharField(max_length=20_000, allow_blank=True)
    attach_to_poc = serializers.BooleanField(default=False)


STATES = tuple(selectors.STATES)


# ------------------------------------------------------------------ views


class DojoListView(APIView):
    cursor_ordering: tuple[str, ...] = ("scheduled_at",)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "state",
                OpenApiTypes.STR,
                enum=list(STATES),
                description="`upcoming` (default; soonest first), `live`, or `past` "
                "(most recently ended first).",
            )
        ],
        responses={200: DojoSerializer(many=True)},
        summary="List dojos",
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        state = request.query_params.get("state", "upcoming")
        if state not in STATES:
            raise ApiError(
                "invalid_filter",
                _("A filter has an invalid value."),
                fields={
                    "state": [
                        {"code": "invalid_choice", "message": _("Use upcoming, live or past.")}
                    ]
                },
            )
        dojos, self.cursor_ordering = selectors.dojo_list(actor=actor, state=state)
        paginator = CursorPagination()
        page = paginator.paginate_queryset(dojos, request, view=self)
        data = DojoSerializer(page, many=True, context={"actor": actor}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        request=DojoInput, responses={201: DojoDetailSerializer}, summary="Schedule a dojo"
    )
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        dojo = services.dojo_create(actor=actor, data=_validated(DojoInput(data=request.data)))
        return Response(
            DojoDetailSerializer(dojo, context={"actor": actor}).data,
            status=status.HTTP_201_CREATED,
        )


class DojoDetailView(APIView):
    @extend_schema(responses={200: DojoDetailSerializer}, summary="Read a dojo")
    def get(self, request: Request, dojo_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        dojo = selectors.dojo_get(actor=actor, dojo_id=dojo_id)
        return Response(DojoDetailSerializer(dojo, context={"actor": actor}).data)

    @extend_schema(
        request=DojoInput(partial=True),
        responses={200: DojoDetailSerializer},
        summary="Change a dojo",
    )
    def patch(self, request: Request, dojo_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        dojo = services.dojo_update(
            actor=actor,
            dojo_id=dojo_id,
            changes=lambda dojo: _validated(DojoInput(dojo, data=request.data, partial=True)),
        )
        return Response(DojoDetailSerializer(dojo, context={"actor": actor}).data)

    @extend_schema(responses={204: None}, summary="Cancel a dojo that has not started")
    def delete(self, request: Request, dojo_id: uuid.UUID) -> Response:
        services.dojo_cancel(actor=actor_of(request), dojo_id=dojo_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DojoJoinView(APIView):
    @extend_schema(request=None, responses={200: ParticipantSerializer}, summary="Join a dojo")
    def post(self, request: Request, dojo_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        selectors.dojo_get(actor=actor, dojo_id=dojo_id)
        try:
            _dojo, participant = commands.join(dojo_id, actor)
        except DojoError as exc:
            raise exc.as_api_error() from None
        return Response(ParticipantSerializer(participant).data)


class DojoStartView(APIView):
    @extend_schema(request=None, responses={200: DojoDetailSerializer}, summary="Start a dojo")
    def post(self, request: Request, dojo_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        selectors.dojo_get(actor=actor, dojo_id=dojo_id)
        change = run(commands.start, dojo_id, actor)
        publish(change.dojo, change.events)
        return Response(DojoDetailSerializer(change.dojo, context={"actor": actor}).data)


class DojoEndView(APIView):
    @extend_schema(request=None, responses={200: DojoDetailSerializer}, summary="End a dojo")
    def post(self, request: Request, dojo_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        selectors.dojo_get(actor=actor, dojo_id=dojo_id)
        change = run(commands.end, dojo_id, actor)
        publish(change.dojo, change.events)
        return Response(DojoDetailSerializer(change.dojo, context={"actor": actor}).data)


class TicketSerializer(serializers.Serializer):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds; the ticket works once.")
    url = serializers.CharField(
        help_text=(
            "Where to open the WebSocket, ticket included: a path on the host the app called "
            "(locally, `/ws/dojos/<id>?ticket=…`), or an absolute `wss://` URL where the "
            "sockets have a host of their own. Open an absolute URL as given."
        )
    )


class DojoTicketView(APIView):
    @extend_schema(
        request=None,
        responses={201: TicketSerializer},
        summary="A one-time ticket for the dojo's WebSocket",
    )
    def post(self, request: Request, dojo_id: uuid.UUID) -> Response:
        dojo, ticket = services.ticket_issue(
            actor=actor_of(request),
            token=cast(VerifiedToken, request.auth),
            dojo_id=dojo_id,
            language=get_language() or settings.LANGUAGE_CODE,
        )
        return Response(
            {
                "ticket": ticket,
                "expires_in": TICKET_TTL_SECONDS,
                "url": f"{settings.DOJO_WEBSOCKET_BASE_URL}/ws/dojos/{dojo.id}?ticket={ticket}",
            },
            status=status.HTTP_201_CREATED,
        )


class DojoRetrospectiveView(APIView):
    @extend_schema(
        request=RetrospectiveInput,
        responses={200: DojoDetailSerializer},
        summary="Write the retrospective; optionally add it to the linked POC's learnings",
    )
    def put(self, request: Request, dojo_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        data = _validated(RetrospectiveInput(data=request.data))
        dojo = services.retrospective_write(
            actor=actor, dojo_id=dojo_id, notes=data["notes"], attach_to_poc=data["attach_to_poc"]
        )
        return Response(DojoDetailSerializer(dojo, context={"actor": actor}).data)


class SnapshotSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    seq = serializers.IntegerField()
    at = serializers.DateTimeField(source="created_at")
    document = serializers.CharField(allow_blank=True)


REPLAY_DEFAULT_LIMIT = 1000
REPLAY_MAX_LIMIT = 5000


def _int_param(request: Request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = whole_number(raw)
    if value is None or (maximum is not None and value > maximum):
        raise ApiError(
            "invalid_parameter",
            _("A parameter has an invalid value."),
            fields={name: [{"code": "invalid", "message": _("A whole number in range.")}]},
        )
    return value


class DojoReplayView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("after_seq", OpenApiTypes.INT, description="Events after this one."),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"At most {REPLAY_MAX_LIMIT} events."
            ),
        ],
        responses={
            200: inline_serializer(
                "DojoReplay",
                {
                    "dojo": DojoSerializer(),
                    "seq": serializers.IntegerField(),
                    "revision": serializers.IntegerField(),
                    "document": serializers.CharField(),
                    "snapshots": SnapshotSerializer(many=True),
                    "events": serializers.ListField(child=serializers.DictField()),
                    "next_after_seq": serializers.IntegerField(allow_null=True),
                },
            )
        },
        summary="Everything needed to replay the session: events (code, rotations, chat)",
    )
    def get(self, request: Request, dojo_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        dojo = selectors.dojo_get(actor=actor, dojo_id=dojo_id)
        after = _int_param(request, "after_seq", 0)
        limit = _int_param(request, "limit", REPLAY_DEFAULT_LIMIT, REPLAY_MAX_LIMIT) or 1
        events, more = selectors.replay_page(dojo=dojo, after=after, limit=limit)
        snapshots = selectors.snapshots_of(dojo=dojo)
        return Response(
            {
                "dojo": DojoSerializer(dojo, context={"actor": actor}).data,
                "seq": dojo.last_seq,
                "revision": dojo.revision,
                "document": dojo.document,
                "snapshots": SnapshotSerializer(snapshots, many=True).data,
                "events": events,
                "next_after_seq": events[-1]["seq"] if more else None,
            }
        )
