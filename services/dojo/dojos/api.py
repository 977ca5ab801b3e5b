"""REST API of the dojo service: dojos, join/start/end, tickets, retrospective, replay."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, cast

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
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

from pocdex_shared.errors import ApiError
from pocdex_shared.jwt import VerifiedToken
from pocdex_shared.pagination import CursorPagination
from pocdex_shared.tenancy.asgi import TICKET_TTL_SECONDS, issue_ticket

from . import access, engine, learnings
from .live import instance
from .models import Dojo, DojoEvent, DojoStatus, Participant, Snapshot, Visibility
from .rules import Actor, DojoError, can_run, dojo_not_found
from .wire import whole_number


def actor_of(request: Request) -> Actor:
    token = cast(VerifiedToken, request.auth)
    return Actor.from_claims(token.subject, token.role, token.claims.get("name"))


def publish(dojo: Dojo, events: list[dict[str, Any]]) -> None:
    """Broadcast events to connected members once the transaction has committed."""
    if events:
        async_to_sync(instance.publish)(_schema(), dojo.id, events)


def _schema() -> str:
    from django.db import connection

    return str(connection.schema_name)  # type: ignore[attr-defined]


def run(command: Any, *args: Any) -> engine.Change:
    try:
        return cast(engine.Change, command(*args))
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
        rows = Participant.objects.filter(dojo=dojo).order_by("joined_at", "id")
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


# ------------------------------------------------------------------ selectors


STATES = ("upcoming", "live", "past")


def visible(actor: Actor) -> QuerySet[Dojo]:
    dojos = Dojo.objects.all()
    if actor.is_admin:
        return dojos
    return dojos.filter(
        Q(visibility=Visibility.TEAM)
        | Q(facilitator_id=actor.id)
        | Q(invitees__contains=[str(actor.id)])
    )


def get_visible(actor: Actor, dojo_id: uuid.UUID) -> Dojo:
    try:
        return visible(actor).get(id=dojo_id)
    except Dojo.DoesNotExist:
        raise dojo_not_found() from None


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
        dojos = visible(actor)
        if state == "upcoming":
            dojos, self.cursor_ordering = (
                dojos.filter(status=DojoStatus.SCHEDULED),
                ("scheduled_at",),
            )
        elif state == "live":
            dojos, self.cursor_ordering = dojos.filter(status=DojoStatus.LIVE), ("-scheduled_at",)
        else:
            dojos, self.cursor_ordering = dojos.filter(status=DojoStatus.ENDED), ("-ended_at",)
        paginator = CursorPagination()
        page = paginator.paginate_queryset(dojos, request, view=self)
        data = DojoSerializer(page, many=True, context={"actor": actor}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        request=DojoInput, responses={201: DojoDetailSerializer}, summary="Schedule a dojo"
    )
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        data = _validated(DojoInput(data=request.data))
        data["invitees"] = sorted({str(u) for u in data["invitees"]})
        dojo = Dojo.objects.create(facilitator_id=actor.id, facilitator_name=actor.name, **data)
        return Response(
            DojoDetailSerializer(dojo, context={"actor": actor}).data,
            status=status.HTTP_201_CREATED,
        )


class DojoDetailView(APIView):
    @extend_schema(responses={200: DojoDetailSerializer}, summary="Read a dojo")
    def get(self, request: Request, dojo_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        dojo = get_visible(actor, dojo_id)
        return Response(DojoDetailSerializer(dojo, context={"actor": actor}).data)

    @extend_schema(
        request=DojoInput(partial=True),
        responses={200: DojoDetailSerializer},
        summary="Change a dojo",
    )
    def patch(self, request: Request, dojo_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        with transaction.atomic():
            dojo = get_visible(actor, dojo_id)
            dojo = Dojo.objects.select_for_update().get(id=dojo.id)
            _require_facilitator(actor, dojo)
            if dojo.status == DojoStatus.ENDED:
                raise DojoError("dojo_ended", _("The dojo has ended.")).as_api_error()
            data = _validated(DojoInput(dojo, data=request.data, partial=True))
            if "invitees" in data:
                data["invitees"] = sorted({str(u) for u in data["invitees"]})
            for name, value in data.items():
                setattr(dojo, name, value)
            dojo.save(update_fields=[*data, "updated_at"])
        return Response(DojoDetailSerializer(dojo, context={"actor": actor}).data)

    @extend_schema(responses={204: None}, summary="Cancel a dojo that has not started")
    def delete(self, request: Request, dojo_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        with transaction.atomic():
            dojo = get_visible(actor, dojo_id)
            dojo = Dojo.objects.select_for_update().get(id=dojo.id)
            _require_facilitator(actor, dojo)
            if dojo.status != DojoStatus.SCHEDULED:
                raise ApiError(
                    "dojo_already_started",
                    _("A dojo that has started cannot be deleted."),
                    status=409,
                )
            dojo.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


def _require_facilitator(actor: Actor, dojo: Dojo) -> None:
    if not can_run(actor, dojo):
        raise ApiError(
            "not_facilitator", _("Only the facilitator or an admin can do this."), status=403
        )


class DojoJoinView(APIView):
    @extend_schema(request=None, responses={200: ParticipantSerializer}, summary="Join a dojo")
    def post(self, request: Request, dojo_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        get_visible(actor, dojo_id)
        try:
            _dojo, participant = engine.join(dojo_id, actor)
        except DojoError as exc:
            raise exc.as_api_error() from None
        return Response(ParticipantSerializer(participant).data)


class DojoStartView(APIView):
    @extend_schema(request=None, responses={200: DojoDetailSerializer}, summary="Start a dojo")
    def post(self, request: Request, dojo_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        get_visible(actor, dojo_id)
        change = run(engine.start, dojo_id, actor)
        publish(change.dojo, change.events)
        return Response(DojoDetailSerializer(change.dojo, context={"actor": actor}).data)


class DojoEndView(APIView):
    @extend_schema(request=None, responses={200: DojoDetailSerializer}, summary="End a dojo")
    def post(self, request: Request, dojo_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        get_visible(actor, dojo_id)
        change = run(engine.end, dojo_id, actor)
        publish(change.dojo, change.events)
        return Response(DojoDetailSerializer(change.dojo, context={"actor": actor}).data)


class TicketSerializer(serializers.Serializer):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds; the ticket works once.")
    url = serializers.CharField(help_text="The WebSocket path to connect to, ticket included.")


class DojoTicketView(APIView):
    @extend_schema(
        request=None,
        responses={201: TicketSerializer},
        summary="A one-time ticket for the dojo's WebSocket",
    )
    def post(self, request: Request, dojo_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        token = cast(VerifiedToken, request.auth)
        issued_at = int(token.issued_at.timestamp())
        if access.removed_since(actor.id, issued_at):
            raise ApiError("membership_revoked", access.MESSAGES["membership_revoked"], status=403)
        dojo = get_visible(actor, dojo_id)
        sid = token.claims.get("sid")
        ticket = issue_ticket(
            token,
            resource=f"dojo:{dojo.id}",
            extra={
                "name": actor.name,
                "lang": get_language() or settings.LANGUAGE_CODE,
                # What a revocation is matched against while the socket is open.
                "sid": sid if isinstance(sid, str) else "",
                "iat": str(issued_at),
            },
        )
        return Response(
            {
                "ticket": ticket,
                "expires_in": TICKET_TTL_SECONDS,
                "url": f"/ws/dojos/{dojo.id}?ticket={ticket}",
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
        with transaction.atomic():
            dojo = get_visible(actor, dojo_id)
            dojo = Dojo.objects.select_for_update().get(id=dojo.id)
            is_participant = Participant.objects.filter(dojo=dojo, user_id=actor.id).exists()
            if not (can_run(actor, dojo) or is_participant):
                raise ApiError(
                    "not_participant",
                    _("Only the dojo's participants can write its retrospective."),
                    status=403,
                )
            if dojo.status != DojoStatus.ENDED:
                raise ApiError(
                    "dojo_not_ended", _("The retrospective comes after the dojo ends."), status=409
                )
            dojo.retrospective = data["notes"].strip()
            dojo.retrospective_updated_at = timezone.now()
            dojo.save(update_fields=["retrospective", "retrospective_updated_at", "updated_at"])
        if data["attach_to_poc"]:
            learnings.attach(dojo, actor)
            dojo.refresh_from_db()
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
        dojo = get_visible(actor, dojo_id)
        after = _int_param(request, "after_seq", 0)
        limit = _int_param(request, "limit", REPLAY_DEFAULT_LIMIT, REPLAY_MAX_LIMIT) or 1
        rows = list(DojoEvent.objects.filter(dojo=dojo, seq__gt=after).order_by("seq")[: limit + 1])
        more = len(rows) > limit
        events = [engine.event_json(row) for row in rows[:limit]]
        snapshots = Snapshot.objects.filter(dojo=dojo).order_by("revision")
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
