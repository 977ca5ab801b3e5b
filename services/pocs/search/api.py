"""``GET /api/v1/search/pocs`` and ``GET /api/v1/search/suggest``."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pocdex_shared import fields as ascii_fields
from pocdex_shared.errors import ApiError, field_error, validation_fields
from pocdex_shared.metrics import record_usage
from registry.api import actor_of, invalid_filter
from registry.models import PocOutcome, PocStatus, Visibility
from registry.normalize import Errors, normalize_languages, tag_slug

from . import selectors

# ------------------------------------------------------------------ input


class SearchQuery(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True, default="")
    language = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        help_text="Repeatable: POCs using all of them (aliases accepted: `js`).",
    )
    tag = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        help_text="Repeatable: POCs with all of these tags.",
    )
    status = serializers.ChoiceField(choices=PocStatus.choices, required=False)
    author = ascii_fields.UUIDField(required=False, help_text="A member id.")
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    # ``from`` is a Python keyword: declared below under its public name.
    to = ascii_fields.DateField(required=False, help_text="Created on or before this day (UTC).")
    sort = serializers.ChoiceField(choices=selectors.SORTS, required=False, default="relevance")
    cursor = serializers.CharField(
        required=False,
        help_text="`next` of the previous page, unchanged, with the same search parameters "
        "(another search's cursor is `invalid_cursor`).",
    )
    limit = ascii_fields.IntegerField(
        required=False, default=selectors.DEFAULT_LIMIT, help_text=f"1 to {selectors.MAX_LIMIT}."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and end < start:
            raise ValidationError(
                {"to": [_("The end date is before the start date.")]}, code="invalid"
            )
        return attrs


SearchQuery._declared_fields["from"] = ascii_fields.DateField(
    required=False, help_text="Created on or after this day (UTC)."
)


class SuggestQuery(serializers.Serializer):
    q = serializers.CharField(max_length=100, help_text="What the user typed so far.")


def _query_too_long() -> ApiError:
    return ApiError(
        "query_too_long",
        _("The search text may have at most {n} characters.").format(n=selectors.MAX_QUERY_LENGTH),
        fields={"q": [field_error("max_length", _("Too long."))]},
    )


def _invalid_limit() -> ApiError:
    return ApiError(
        "invalid_limit",
        _("The limit must be a whole number from 1 to {n}.").format(n=selectors.MAX_LIMIT),
    )


def search_params(request: Request) -> selectors.SearchParams:
    raw = request.query_params
    if len(raw.get("q", "")) > selectors.MAX_QUERY_LENGTH:
        raise _query_too_long()
    query = SearchQuery(data=raw)
    try:
        query.is_valid(raise_exception=True)
    except ValidationError as exc:
        fields = validation_fields(exc.detail)
        if "limit" in fields:
            raise _invalid_limit() from None
        if "cursor" in fields:
            raise selectors.invalid_cursor() from None
        raise invalid_filter(fields) from None
    data = query.validated_data
    if not 1 <= data["limit"] <= selectors.MAX_LIMIT:
        raise _invalid_limit()
    errors: Errors = {}
    languages = normalize_languages(data.get("language", []), errors, field="language")
    if errors:
        raise invalid_filter(errors)
    author: uuid.UUID | None = data.get("author")
    return selectors.SearchParams(
        q=data["q"],
        languages=languages,
        tags=[slug for slug in (tag_slug(t) for t in data.get("tag", [])) if slug],
        status=data.get("status"),
        author=author,
        visibility=data.get("visibility"),
        created_from=data.get("from"),
        created_to=data.get("to"),
        sort=data["sort"],
        cursor=data.get("cursor") or None,
        limit=data["limit"],
    )


# ------------------------------------------------------------------ output


class HighlightsSerializer(serializers.Serializer):
    name = serializers.ListField(child=serializers.CharField(), required=False)
    summary = serializers.ListField(child=serializers.CharField(), required=False)
    description = serializers.ListField(child=serializers.CharField(), required=False)


class SearchResultSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    summary = serializers.CharField()
    status = serializers.ChoiceField(choices=PocStatus.choices)
    outcome = serializers.ChoiceField(choices=PocOutcome.choices, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    languages = serializers.ListField(child=serializers.CharField(), help_text="Vocabulary slugs.")
    tags = serializers.ListField(child=serializers.CharField(), help_text="Tag slugs.")
    tag_labels = serializers.ListField(
        child=serializers.CharField(), help_text="Tag labels, same order."
    )
    author_id = serializers.UUIDField()
    author_name = serializers.CharField(allow_blank=True)
    started_on = serializers.DateField(allow_null=True)
    finished_on = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    highlights = HighlightsSerializer(
        help_text="Fragments with matches wrapped in <mark>…</mark> (HTML-escaped text)."
    )


class FacetSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class AuthorFacetSerializer(serializers.Serializer):
    value = serializers.UUIDField()
    label = serializers.CharField(allow_blank=True, help_text="The author's name.")  # type: ignore[assignment] # a field, not Field.label
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    languages = FacetSerializer(many=True)
    tags = FacetSerializer(many=True)
    status = FacetSerializer(many=True)
    authors = AuthorFacetSerializer(many=True)


class SearchPageSerializer(serializers.Serializer):
    results = SearchResultSerializer(many=True)
    next = serializers.CharField(allow_null=True)
    total = serializers.IntegerField()
    facets = FacetsSerializer()


class NameSuggestionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class LanguageSuggestionSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment] # a field, not Field.label
    count = serializers.IntegerField()


class SuggestionsSerializer(serializers.Serializer):
    names = NameSuggestionSerializer(many=True)
    tags = FacetSerializer(many=True)
    languages = LanguageSuggestionSerializer(many=True)


# ------------------------------------------------------------------ views


class PocSearchView(APIView):
    @extend_schema(
        operation_id="search_pocs",
        parameters=[SearchQuery],
        responses=SearchPageSerializer,
        description=(
            "Free text over name, summary, description, learnings and tags, typo-tolerant, "
            "prefix-aware, Portuguese and English. Facets count the whole matching set. "
            "503 `search_unavailable` when the search engine cannot be reached."
        ),
    )
    def get(self, request: Request) -> Response:
        params = search_params(request)
        page = selectors.poc_search(actor=actor_of(request), params=params)
        record_usage("search")
        data = {
            "results": page.results,
            "next": page.next,
            "total": page.total,
            "facets": page.facets,
        }
        return Response(data)


class SuggestView(APIView):
    @extend_schema(
        operation_id="search_suggest", parameters=[SuggestQuery], responses=SuggestionsSerializer
    )
    def get(self, request: Request) -> Response:
        query = SuggestQuery(data=request.query_params)
        try:
            query.is_valid(raise_exception=True)
        except ValidationError as exc:
            raise invalid_filter(validation_fields(exc.detail)) from None
        return Response(selectors.poc_suggest(actor=actor_of(request), q=query.validated_data["q"]))
