"""Internal endpoints for the other services (never routed by the gateway).

* ``GET /internal/v1/tenants/{tenant_id}/pocs``: one organization's POCs created
  or started in a date range, with names for people and vocabulary (media:
  reports and the year-in-review video). Service ``media`` only.
* ``POST /internal/v1/tenants/{tenant_id}/pocs/{poc_id}/learnings``: append a
  note (a dojo retrospective) to a POC's learnings, once per ``source_id``.
  Service ``dojo`` only. The note is written with the rights of the member who
  attaches it (``author`` and ``role``, from their access token), under the
  same edit rules as the public API (``rules.can_edit``), never with the
  calling service's.

Callers present a service token for ``pocdex-pocs`` (``ServiceAuthentication``);
the organization comes from the path, never from a token claim.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pocdex_shared import fields as ascii_fields
from pocdex_shared.callers import Caller
from pocdex_shared.errors import not_found, validation_fields
from pocdex_shared.internal import IsService, ServiceAuthentication
from pocdex_shared.pagination import CursorPagination
from pocdex_shared.tenancy.scope import Require, TenantUnknownError, tenant_scope
from tenants.models import Tenant
from vocabulary.catalog import catalog
from vocabulary.models import Kind

from . import people, selectors, services
from .api import LanguageRefSerializer, PersonRefSerializer, TagRefSerializer, invalid_filter
from .models import Poc, PocOutcome, PocStatus, Visibility
from .rules import can_edit, edit_denied, poc_not_found

LEARNING_SOURCES = ("dojo",)
MEMBER_ROLES = ("owner", "admin", "member")


def tenant_not_found() -> Any:
    return not_found("tenant_not_found", _("This organization does not exist."))


@contextmanager
def organization(tenant_id: uuid.UUID) -> Iterator[Tenant]:
    """In the organization of the path, which must be active (ADR 0025).

    Suspended: ``403 tenant_suspended``; provisioning or its schema not cloned
    yet: ``503 tenant_not_ready``; unknown: the documented ``tenant_not_found``.
    """
    try:
        with tenant_scope(tenant_id=tenant_id, require=Require.ACTIVE) as tenant:
            yield cast(Tenant, tenant)
    except TenantUnknownError:
        raise tenant_not_found() from None


class InternalView(APIView):
    authentication_classes = [ServiceAuthentication]
    permission_classes = [IsService]


# ------------------------------------------------------------------ POCs of one organization


class ServicePocSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    summary = serializers.CharField()
    status = serializers.ChoiceField(choices=PocStatus.choices)
    outcome = serializers.ChoiceField(choices=PocOutcome.choices, allow_blank=True)
    learnings = serializers.CharField()
    languages = serializers.SerializerMethodField(help_text="Vocabulary entries of kind language.")
    frameworks = serializers.SerializerMethodField(
        help_text="The other vocabulary entries: frameworks and platforms (see `kind`)."
    )
    tags = TagRefSerializer(many=True, source="tags.all")
    author = serializers.SerializerMethodField()
    contributors = serializers.SerializerMethodField()
    started_on = serializers.DateField(allow_null=True)
    finished_on = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    visibility = serializers.ChoiceField(choices=Visibility.choices)

    def _technologies(self, poc: Poc, *, languages: bool) -> list[dict[str, str]]:
        vocabulary = catalog()
        entries = (vocabulary.get(slug) for slug in poc.languages)
        return [
            {"slug": e.slug, "name": e.name, "kind": e.kind}
            for e in entries
            if e and (e.kind == Kind.LANGUAGE) == languages
        ]

    @extend_schema_field(LanguageRefSerializer(many=True))
    def get_languages(self, poc: Poc) -> list[dict[str, str]]:
        return self._technologies(poc, languages=True)

    @extend_schema_field(LanguageRefSerializer(many=True))
    def get_frameworks(self, poc: Poc) -> list[dict[str, str]]:
        return self._technologies(poc, languages=False)

    @extend_schema_field(PersonRefSerializer)
    def get_author(self, poc: Poc) -> dict[str, Any]:
        names: dict[uuid.UUID, str] = self.context["names"]
        return {"id": poc.author_id, "name": names.get(poc.author_id) or poc.author_name}

    @extend_schema_field(PersonRefSerializer(many=True))
    def get_contributors(self, poc: Poc) -> list[dict[str, Any]]:
        names: dict[uuid.UUID, str] = self.context["names"]
        return [{"id": c, "name": names.get(c, "")} for c in poc.contributors]


class ServicePocQuery(serializers.Serializer):
    author = ascii_fields.UUIDField(required=False, help_text="Only POCs this member authored.")
    viewer = ascii_fields.UUIDField(
        required=False,
        help_text="Apply this member's visibility (team POCs and their own private ones); "
        "without it, only team POCs.",
    )
    # ``from`` is a Python keyword: declared below under its public name.
    to = ascii_fields.DateField(required=False, help_text="Created or started on or before (UTC).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and end < start:
            raise ValidationError(
                {"to": [_("The end date is before the start date.")]}, code="invalid"
            )
        return attrs


ServicePocQuery._declared_fields["from"] = ascii_fields.DateField(
    required=False, help_text="Created or started on or after this day (UTC)."
)


class ServicePocsPagination(CursorPagination):
    ordering = ("created_at", "id")


class ServicePocListView(InternalView):
    allowed_services = frozenset({"media"})

    @extend_schema(
        parameters=[ServicePocQuery],
        responses={200: ServicePocSerializer(many=True)},
        summary="Internal: an organization's POCs created or started in a date range",
    )
    def get(self, request: Request, tenant_id: uuid.UUID) -> Response:
        query = ServicePocQuery(data=request.query_params)
        try:
            query.is_valid(raise_exception=True)
        except ValidationError as exc:
            raise invalid_filter(validation_fields(exc.detail)) from None
        data = query.validated_data
        paginator = ServicePocsPagination()
        with organization(tenant_id):
            pocs = selectors.service_poc_list(
                author=data.get("author"),
                viewer=data.get("viewer"),
                start=data.get("from"),
                end=data.get("to"),
            )
            page = paginator.paginate_queryset(pocs, request, view=self)
            ids = {p.author_id for p in page} | {c for p in page for c in p.contributors}
            body = ServicePocSerializer(page, many=True, context={"names": people.names_for(ids)})
            return paginator.get_paginated_response(body.data)


# ------------------------------------------------------------------ learnings from a dojo


class LearningInput(serializers.Serializer):
    text = serializers.CharField(max_length=10_000, help_text="Plain text or Markdown.")
    source = serializers.ChoiceField(choices=LEARNING_SOURCES)  # type: ignore[assignment] # a field, not Field.source
    source_id = serializers.UUIDField(
        help_text="The note's id at the source: the same id twice appends once."
    )
    author = serializers.UUIDField(help_text="The member who attaches the note.")
    role = serializers.ChoiceField(
        choices=MEMBER_ROLES,
        default="member",
        help_text="The role of that member in the organization (the `role` claim of their "
        "access token): the note is written only if they may edit the POC.",
    )


class LearningNoteSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    poc_id = serializers.UUIDField()
    source = serializers.CharField()  # type: ignore[assignment] # a field, not Field.source
    source_id = serializers.UUIDField()
    author = serializers.UUIDField(source="author_id")
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    learnings = serializers.SerializerMethodField(help_text="The POC's learnings now.")

    def get_learnings(self, note: Any) -> str:
        return str(self.context["poc"].learnings)


class LearningAppendView(InternalView):
    allowed_services = frozenset({"dojo"})

    @extend_schema(
        request=LearningInput,
        responses={201: LearningNoteSerializer, 200: LearningNoteSerializer},
        summary="Internal: append a note to a POC's learnings (idempotent per source_id)",
    )
    def post(self, request: Request, tenant_id: uuid.UUID, poc_id: uuid.UUID) -> Response:
        given = LearningInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with organization(tenant_id) as tenant, transaction.atomic():
            # The member attaching the note, as dojo names them (a service token).
            actor = Caller.acting_for(
                person_id=data["author"], tenant_id=tenant.id, role=data["role"], tenant=tenant
            )
            # The edit rules of the public API (services._editable), with the POC
            # locked until the note is appended.
            poc = Poc.objects.select_for_update().filter(id=poc_id, deleted_at__isnull=True).first()
            if poc is None or not can_edit(actor, poc):
                if poc is not None and poc.visibility == Visibility.TEAM:
                    raise edit_denied()
                raise poc_not_found()
            note, poc, created = services.poc_append_learning(
                tenant=tenant,
                poc_id=poc_id,
                text=data["text"],
                source=data["source"],
                source_id=data["source_id"],
                author_id=data["author"],
            )
        body = LearningNoteSerializer(note, context={"poc": poc}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
