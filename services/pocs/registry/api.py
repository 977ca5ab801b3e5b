"""REST API of the registry: POCs, deleted POCs, languages, tags and attachments.

Views validate input, call one service or selector and serialize the result.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, cast

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pocdex_shared import fields as ascii_fields
from pocdex_shared.callers import Caller
from pocdex_shared.errors import ApiError, validation_fields
from pocdex_shared.pagination import CursorPagination
from vocabulary.catalog import catalog
from vocabulary.models import Kind

from . import people, selectors, services
from .models import Attachment, Poc, PocOutcome, PocStatus, Visibility
from .normalize import Errors, normalize_languages, tag_slug
from .rules import can_edit
from .storage import PresignedRequest


def actor_of(request: Request) -> Caller:
    """The calling member; the tenant middleware has verified the token and loaded the tenant.

    Their display name goes into the organization's people directory on the way
    (at most once per ``PEOPLE_REMEMBER_SECONDS`` per process), so POCs can name them.
    """
    actor = cast(Caller, request.user)
    people.remember(actor)
    return actor


def poc_context(actor: Caller, pocs: Iterable[Poc]) -> dict[str, Any]:
    """What ``PocSerializer`` needs: the caller, and the names of the people of ``pocs``."""
    ids = {p.author_id for p in pocs} | {c for p in pocs for c in p.contributors}
    return {"actor": actor, "names": people.names_for(ids)}


# ------------------------------------------------------------------ output


class LanguageRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)


class TagRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment] # a field, not Field.label


class PersonRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(allow_blank=True)


class LinkSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    url = serializers.URLField(max_length=500)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # DRF hands a PATCH's ``partial`` down to nested serializers, which would
        # accept a link without its URL; a link is always given whole.
        if "url" not in attrs:
            required = self.fields["url"].error_messages["required"]
            raise ValidationError({"url": [required]}, code="required")
        return attrs


class PocSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    summary = serializers.CharField()
    description = serializers.CharField(help_text="Markdown.")
    status = serializers.ChoiceField(choices=PocStatus.choices)
    hypothesis = serializers.CharField()
    outcome = serializers.ChoiceField(choices=PocOutcome.choices, allow_blank=True)
    learnings = serializers.CharField()
    languages = serializers.SerializerMethodField()
    tags = TagRefSerializer(many=True, source="tags.all")
    repository_url = serializers.CharField()
    repository_host = serializers.ChoiceField(
        choices=["github", "gitlab", "bitbucket", "other", ""],
        help_text="Recognized Git host of repository_url; empty without a repository.",
    )
    links = LinkSerializer(many=True)
    started_on = serializers.DateField(allow_null=True)
    finished_on = serializers.DateField(allow_null=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    author = serializers.SerializerMethodField()
    contributors = serializers.ListField(child=serializers.UUIDField(), help_text="Member ids.")
    contributor_refs = serializers.SerializerMethodField(
        help_text="The contributors with their display names, in the order of `contributors`; "
        "an empty name for someone who never used Pocdex's POCs yet."
    )
    can_edit = serializers.SerializerMethodField(
        help_text="Whether the caller may change, delete and restore this POC."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(LanguageRefSerializer(many=True))
    def get_languages(self, poc: Poc) -> list[dict[str, str]]:
        vocabulary = catalog()
        entries = (vocabulary.get(slug) for slug in poc.languages)
        return [{"slug": e.slug, "name": e.name, "kind": e.kind} for e in entries if e]

    def _names(self, poc: Poc) -> dict[uuid.UUID, str]:
        names: dict[uuid.UUID, str] | None = self.context.get("names")
        if names is None:
            names = people.names_for([poc.author_id, *poc.contributors])
        return names

    @extend_schema_field(PersonRefSerializer)
    def get_author(self, poc: Poc) -> dict[str, Any]:
        # The directory has the current name; the POC keeps the one it was created with.
        return {"id": poc.author_id, "name": self._names(poc).get(poc.author_id) or poc.author_name}

    @extend_schema_field(PersonRefSerializer(many=True))
    def get_contributor_refs(self, poc: Poc) -> list[dict[str, Any]]:
        names = self._names(poc)
        return [{"id": c, "name": names.get(c, "")} for c in poc.contributors]

    def get_can_edit(self, poc: Poc) -> bool:
        return can_edit(self.context["actor"], poc)


class DeletedPocSerializer(PocSerializer):
    deleted_at = serializers.DateTimeField()
    restorable_until = serializers.SerializerMethodField()

    def get_restorable_until(self, poc: Poc) -> str:
        return str(services.restore_deadline(poc).isoformat())


# ------------------------------------------------------------------ input


class PocInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=500, allow_blank=True, required=False)
    description = serializers.CharField(
        max_length=50_000,
        allow_blank=True,
        required=False,
        trim_whitespace=False,
        help_text="Markdown.",
    )
    status = serializers.ChoiceField(choices=PocStatus.choices, required=False)
    hypothesis = serializers.CharField(max_length=5_000, allow_blank=True, required=False)
    outcome = serializers.ChoiceField(choices=PocOutcome.choices, allow_blank=True, required=False)
    learnings = serializers.CharField(
        max_length=services.LEARNINGS_MAX_LENGTH, allow_blank=True, required=False
    )
    languages = serializers.ListField(
        child=serializers.CharField(max_length=60),
        max_length=20,
        required=False,
        help_text="Languages, frameworks or platforms as people write them: `js`, `golang`, "
        "`Node.js`. Unknown values fail with `unknown_language` and suggestions.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60),
        max_length=20,
        required=False,
        help_text="Free text; stored lower case, without accents, spaces as hyphens.",
    )
    repository_url = serializers.URLField(max_length=500, allow_blank=True, required=False)
    links = serializers.ListField(child=LinkSerializer(), max_length=20, required=False)
    started_on = ascii_fields.DateField(allow_null=True, required=False)
    finished_on = ascii_fields.DateField(allow_null=True, required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    contributors = serializers.ListField(
        child=ascii_fields.UUIDField(),
        max_length=50,
        required=False,
        help_text="Ids of members who may edit this POC too.",
    )


def _validated(serializer: serializers.Serializer) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# ------------------------------------------------------------------ list filters


class PocListQuery(serializers.Serializer):
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=PocStatus.choices), required=False
    )
    language = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    tag = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    author = serializers.CharField(required=False, max_length=40)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    created_from = ascii_fields.DateField(required=False)
    created_to = ascii_fields.DateField(required=False)
    ordering = serializers.ChoiceField(choices=selectors.ORDERINGS, required=False)

    def validate_author(self, value: str) -> str:
        if value == "me":
            return value
        try:
            if not value.isascii():
                raise ValueError(value)
            return str(uuid.UUID(value))
        except ValueError:
            raise serializers.ValidationError(
                _("Use a member id or “me”."), code="invalid"
            ) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("created_from"), attrs.get("created_to")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"created_to": [_("The end date is before the start date.")]}, code="invalid"
            )
        return attrs


def invalid_filter(fields: Errors) -> ApiError:
    return ApiError("invalid_filter", _("A filter has an invalid value."), fields=fields)


def list_filters(request: Request, actor: Caller) -> tuple[selectors.PocFilters, str]:
    query = PocListQuery(data=request.query_params)
    try:
        query.is_valid(raise_exception=True)
    except ValidationError as exc:
        raise invalid_filter(validation_fields(exc.detail)) from None
    data = query.validated_data
    errors: Errors = {}
    languages = normalize_languages(data.get("language", []), errors, field="language")
    tags = [slug for slug in (tag_slug(t) for t in data.get("tag", [])) if slug]
    if errors:
        raise invalid_filter(errors)
    author = data.get("author")
    filters = selectors.PocFilters(
        statuses=data.get("status", []),
        languages=languages,
        tags=tags,
        author=actor.id if author == "me" else (uuid.UUID(author) if author else None),
        visibility=data.get("visibility"),
        created_from=data.get("created_from"),
        created_to=data.get("created_to"),
    )
    return filters, data.get("ordering", selectors.ORDERINGS[0])


_LIST_PARAMETERS = [
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        many=True,
        enum=PocStatus.values,
        description="Repeatable: any of the given statuses.",
    ),
    OpenApiParameter(
        "language",
        OpenApiTypes.STR,
        many=True,
        description="Repeatable: POCs using all of them (aliases accepted: `js`).",
    ),
    OpenApiParameter(
        "tag", OpenApiTypes.STR, many=True, description="Repeatable: POCs with all of these tags."
    ),
    OpenApiParameter("author", OpenApiTypes.STR, description="A member id, or `me`."),
    OpenApiParameter("visibility", OpenApiTypes.STR, enum=Visibility.values),
    OpenApiParameter("created_from", OpenApiTypes.DATE, description="Created on or after (UTC)."),
    OpenApiParameter("created_to", OpenApiTypes.DATE, description="Created on or before (UTC)."),
    OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        enum=list(selectors.ORDERINGS),
        description="Default `-updated_at`.",
    ),
]


# ------------------------------------------------------------------ POCs


class PocListView(APIView):
    pagination_class = CursorPagination
    cursor_ordering: tuple[str, ...] = (selectors.ORDERINGS[0],)

    @extend_schema(
        parameters=_LIST_PARAMETERS,
        responses={200: PocSerializer(many=True)},
        summary="List POCs (filters, cursor pagination)",
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        filters, ordering = list_filters(request, actor)
        self.cursor_ordering = (ordering,)
        paginator = CursorPagination()
        page = paginator.paginate_queryset(
            selectors.poc_list(actor=actor, filters=filters), request, view=self
        )
        data = PocSerializer(page, many=True, context=poc_context(actor, page)).data
        return paginator.get_paginated_response(data)

    @extend_schema(request=PocInput, responses={201: PocSerializer}, summary="Register a POC")
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        poc = services.poc_create(actor=actor, **_validated(PocInput(data=request.data)))
        poc = selectors.poc_get(actor=actor, poc_id=poc.id)
        return Response(
            PocSerializer(poc, context={"actor": actor}).data, status=status.HTTP_201_CREATED
        )


class PocDetailView(APIView):
    @extend_schema(responses={200: PocSerializer}, summary="Read a POC")
    def get(self, request: Request, poc_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        poc = selectors.poc_get(actor=actor, poc_id=poc_id)
        return Response(PocSerializer(poc, context={"actor": actor}).data)

    @extend_schema(
        request=PocInput(partial=True), responses={200: PocSerializer}, summary="Change a POC"
    )
    def patch(self, request: Request, poc_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        changes = _validated(PocInput(data=request.data, partial=True))
        services.poc_update(actor=actor, poc_id=poc_id, changes=changes)  # type: ignore[arg-type]
        poc = selectors.poc_get(actor=actor, poc_id=poc_id)
        return Response(PocSerializer(poc, context={"actor": actor}).data)

    @extend_schema(
        responses={204: None},
        summary=f"Delete a POC (restorable for {settings.POC_RESTORE_WINDOW_DAYS} days)",
    )
    def delete(self, request: Request, poc_id: uuid.UUID) -> Response:
        services.poc_delete(actor=actor_of(request), poc_id=poc_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PocRestoreView(APIView):
    @extend_schema(request=None, responses={200: PocSerializer}, summary="Restore a deleted POC")
    def post(self, request: Request, poc_id: uuid.UUID) -> Response:
        actor = actor_of(request)
        services.poc_restore(actor=actor, poc_id=poc_id)
        poc = selectors.poc_get(actor=actor, poc_id=poc_id)
        return Response(PocSerializer(poc, context={"actor": actor}).data)


class DeletedPocsPagination(CursorPagination):
    ordering = ("-deleted_at", "id")


class DeletedPocListView(APIView):
    @extend_schema(
        responses={200: DeletedPocSerializer(many=True)},
        summary="Deleted POCs the caller may restore",
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        paginator = DeletedPocsPagination()
        page = paginator.paginate_queryset(
            selectors.poc_list_deleted(actor=actor), request, view=self
        )
        data = DeletedPocSerializer(page, many=True, context=poc_context(actor, page)).data
        return paginator.get_paginated_response(data)


# ------------------------------------------------------------------ vocabulary usage


class LanguageUsageSerializer(LanguageRefSerializer):
    count = serializers.IntegerField(help_text="Visible, non-deleted POCs using it.")


class TagUsageSerializer(TagRefSerializer):
    count = serializers.IntegerField(help_text="Visible, non-deleted POCs with this tag.")


class UsagePagination(CursorPagination):
    ordering = ("-count", "slug")


_PREFIX = OpenApiParameter("q", OpenApiTypes.STR, description="Prefix filter (as typed).")


class LanguageListView(APIView):
    @extend_schema(
        parameters=[_PREFIX],
        responses={200: LanguageUsageSerializer(many=True)},
        summary="The languages vocabulary with usage counts",
    )
    def get(self, request: Request) -> Response:
        rows = selectors.language_usage(
            actor=actor_of(request), prefix=request.query_params.get("q", "")[:60]
        )
        paginator = UsagePagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(LanguageUsageSerializer(page, many=True).data)


class TagListView(APIView):
    @extend_schema(
        parameters=[_PREFIX],
        responses={200: TagUsageSerializer(many=True)},
        summary="Tags in use, with counts",
    )
    def get(self, request: Request) -> Response:
        rows = selectors.tag_usage(
            actor=actor_of(request), prefix=request.query_params.get("q", "")[:60]
        )
        paginator = UsagePagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(TagUsageSerializer(page, many=True).data)


# ------------------------------------------------------------------ attachments


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = [
            "id",
            "filename",
            "content_type",
            "size",
            "state",
            "sha256",
            "uploaded_by",
            "created_at",
            "completed_at",
        ]
        extra_kwargs = {
            "sha256": {"help_text": "SHA-256 (hex) of the stored file; empty until completed."}
        }


class PresignedRequestSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=["PUT", "GET"])
    url = serializers.URLField()
    headers = serializers.DictField(
        child=serializers.CharField(), help_text="Headers to send exactly as given."
    )
    expires_at = serializers.DateTimeField()


class AttachmentUploadSerializer(AttachmentSerializer):
    upload = serializers.SerializerMethodField()

    class Meta(AttachmentSerializer.Meta):
        fields = [*AttachmentSerializer.Meta.fields, "upload"]

    @extend_schema_field(PresignedRequestSerializer)
    def get_upload(self, attachment: Attachment) -> dict[str, Any]:
        return _presigned(self.context["upload"])


class AttachmentDownloadSerializer(AttachmentSerializer):
    download = serializers.SerializerMethodField()

    class Meta(AttachmentSerializer.Meta):
        fields = [*AttachmentSerializer.Meta.fields, "download"]

    @extend_schema_field(PresignedRequestSerializer)
    def get_download(self, attachment: Attachment) -> dict[str, Any]:
        return _presigned(self.context["download"])


def _presigned(request: PresignedRequest) -> dict[str, Any]:
    return dict(PresignedRequestSerializer(request).data)


class AttachmentInput(serializers.Serializer):
    filename = serializers.CharField(max_length=255)
    content_type = serializers.CharField(max_length=100)
    size = ascii_fields.IntegerField(min_value=1, help_text="Bytes; at most 25 MiB.")


class AttachmentsPagination(CursorPagination):
    ordering = ("created_at", "id")


class AttachmentListView(APIView):
    @extend_schema(responses={200: AttachmentSerializer(many=True)}, summary="Attachments of a POC")
    def get(self, request: Request, poc_id: uuid.UUID) -> Response:
        queryset = selectors.attachment_list(actor=actor_of(request), poc_id=poc_id)
        paginator = AttachmentsPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(AttachmentSerializer(page, many=True).data)

    @extend_schema(
        request=AttachmentInput,
        responses={201: AttachmentUploadSerializer},
        summary="Start an upload: returns a presigned PUT into the organization's bucket",
    )
    def post(self, request: Request, poc_id: uuid.UUID) -> Response:
        data = _validated(AttachmentInput(data=request.data))
        attachment, upload = services.attachment_create(
            actor=actor_of(request), poc_id=poc_id, **data
        )
        body = AttachmentUploadSerializer(attachment, context={"upload": upload}).data
        return Response(body, status=status.HTTP_201_CREATED)


class AttachmentDetailView(APIView):
    @extend_schema(
        responses={200: AttachmentDownloadSerializer},
        summary="An attachment with a short-lived download URL",
    )
    def get(self, request: Request, poc_id: uuid.UUID, attachment_id: uuid.UUID) -> Response:
        attachment, download = selectors.attachment_download(
            actor=actor_of(request), poc_id=poc_id, attachment_id=attachment_id
        )
        return Response(
            AttachmentDownloadSerializer(attachment, context={"download": download}).data
        )

    @extend_schema(responses={204: None}, summary="Delete an attachment and its file")
    def delete(self, request: Request, poc_id: uuid.UUID, attachment_id: uuid.UUID) -> Response:
        services.attachment_delete(
            actor=actor_of(request), poc_id=poc_id, attachment_id=attachment_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttachmentCompleteView(APIView):
    @extend_schema(
        request=None,
        responses={200: AttachmentSerializer},
        summary="Confirm an upload (checks the stored object and its size)",
    )
    def post(self, request: Request, poc_id: uuid.UUID, attachment_id: uuid.UUID) -> Response:
        attachment = services.attachment_complete(
            actor=actor_of(request), poc_id=poc_id, attachment_id=attachment_id
        )
        return Response(AttachmentSerializer(attachment).data)
