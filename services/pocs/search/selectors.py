"""Reading the index: full-text search with facets and highlights, and suggestions.

Every request to OpenSearch is built by ``_scoped`` around ``_tenant_scope``, the
one place that decides which documents a member may see: their organization's
(a filter on ``tenant_id``, plus routing to its shard), not deleted, and team
POCs or their own private ones. No other function adds or removes that filter,
so facets, highlights and suggestions can only ever count or show those.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pocdex_shared.callers import Caller
from pocdex_shared.errors import ApiError
from registry.normalize import tag_slug
from vocabulary.catalog import catalog, fold

from .client import alias, client, is_unavailable

SORTS = ("relevance", "recent")
MAX_LIMIT = 50
DEFAULT_LIMIT = 20
MAX_QUERY_LENGTH = 200
FACET_SIZE = 20
SUGGEST_SIZE = 5

# Free text. Typo tolerance (fuzzy matching) is the expensive part: every
# fuzzy term is expanded against the term dictionary of the whole shared index,
# per field, before the tenant filter applies. So it runs on the short fields
# people misspell when they look for a POC (name, summary, tags, languages),
# with one edit from four letters on (``AUTO:4,100``: two-edit automatons cost
# several times more and one edit covers a slip, a missing or a swapped
# letter), and the long texts match exactly (folded) or stemmed. Measured in
# docs/benchmarks.md ("POC search").
_FUZZY_FIELDS = ["name^4", "summary^2", "tags.text^2", "languages.text^2"]
_FUZZINESS = "AUTO:4,100"
_FUZZY_MAX_EXPANSIONS = 20
_EXACT_FIELDS = ["description", "learnings", "hypothesis"]
_STEMMED_FIELDS = [
    "name.pt^3",
    "name.en^3",
    "summary.pt^2",
    "summary.en^2",
    "description.pt",
    "description.en",
    "learnings.pt",
    "learnings.en",
    "hypothesis.pt",
    "hypothesis.en",
]
_PREFIX_FIELDS = ["name.sayt^3", "name.sayt._2gram", "name.sayt._3gram"]
_HIGHLIGHTED = {
    "name": ["name", "name.sayt", "name.pt", "name.en"],
    "summary": ["summary", "summary.pt", "summary.en"],
    "description": ["description", "description.pt", "description.en"],
}
_SOURCE = [
    "id",
    "name",
    "summary",
    "status",
    "outcome",
    "visibility",
    "languages",
    "tags",
    "tag_labels",
    "author_id",
    "author_name",
    "started_on",
    "finished_on",
    "created_at",
    "updated_at",
]


def search_unavailable() -> ApiError:
    return ApiError(
        "search_unavailable",
        _("Search is not available right now. Try again in a moment."),
        status=503,
        headers={"Retry-After": "5"},
    )


def invalid_cursor() -> ApiError:
    return ApiError("invalid_cursor", _("The cursor is invalid. Start again from the first page."))


# --------------------------------------------------------------------- the one scope


def _tenant_scope(actor: Caller) -> list[dict[str, Any]]:
    """The filters every query carries: this organization, not deleted, visible to ``actor``."""
    return [
        {"term": {"tenant_id": str(actor.tenant_id)}},
        {"term": {"deleted": False}},
        {
            "bool": {
                "should": [
                    {"term": {"visibility": "team"}},
                    {"term": {"author_id": str(actor.id)}},
                ],
                "minimum_should_match": 1,
            }
        },
    ]


def _scoped(actor: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """Run ``body`` (its ``query`` is wrapped) inside the actor's scope, routed to its shard."""
    query = body.pop("query", {"match_all": {}})
    body["query"] = {"bool": {"must": [query], "filter": _tenant_scope(actor)}}
    try:
        result: dict[str, Any] = client().search(
            index=alias(), body=body, routing=str(actor.tenant_id)
        )
    except Exception as exc:
        if is_unavailable(exc):
            raise search_unavailable() from exc
        raise
    return result


# --------------------------------------------------------------------- search


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    languages: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    status: str | None = None
    author: uuid.UUID | None = None
    visibility: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    sort: str = "relevance"
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


@dataclass
class SearchPage:
    results: list[dict[str, Any]]
    next: str | None
    total: int
    facets: dict[str, list[dict[str, Any]]]


def _text_query(q: str) -> dict[str, Any]:
    if not q:
        return {"match_all": {}}
    return {
        "bool": {
            "should": [
                {
                    "multi_match": {
                        "query": q,
                        "fields": _FUZZY_FIELDS,
                        "fuzziness": _FUZZINESS,
                        "prefix_length": 1,
                        "max_expansions": _FUZZY_MAX_EXPANSIONS,
                        "operator": "and",
                    }
                },
                {"multi_match": {"query": q, "fields": _EXACT_FIELDS, "operator": "and"}},
                {"multi_match": {"query": q, "fields": _STEMMED_FIELDS, "operator": "and"}},
                {
                    "multi_match": {
                        "query": q,
                        "type": "bool_prefix",
                        "fields": _PREFIX_FIELDS,
                        "operator": "and",
                    }
                },
            ],
            "minimum_should_match": 1,
        }
    }


def _filters(params: SearchParams) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    # Repeated languages and tags mean "all of them".
    filters += [{"term": {"languages": slug}} for slug in params.languages]
    filters += [{"term": {"tags": slug}} for slug in params.tags]
    if params.status:
        filters.append({"term": {"status": params.status}})
    if params.author:
        filters.append({"term": {"author_id": str(params.author)}})
    if params.visibility:
        filters.append({"term": {"visibility": params.visibility}})
    if params.created_from or params.created_to:
        created: dict[str, str] = {}
        if params.created_from:
            created["gte"] = params.created_from.isoformat()
        if params.created_to:
            created["lte"] = f"{params.created_to.isoformat()}||/d"
        filters.append({"range": {"created_at": created}})
    return filters


def _sort(sort: str) -> list[Any]:
    tiebreak = [{"created_at": "desc"}, {"id": "asc"}]
    return ([{"_score": "desc"}] if sort == "relevance" else []) + tiebreak


# Cursors: the sort values of the last hit (``_score`` among them with the
# relevance sort) sealed with AES-GCM under a key derived from SECRET_KEY, with
# who asked and what as associated data (docs/adr/0020). The client learns
# nothing from a cursor, and one it did not receive for this very search (forged,
# altered, truncated, another member's, another organization's, another query's)
# does not open: ``invalid_cursor``. OpenSearch only ever gets values it produced.
_NONCE_BYTES = 12
_CURSOR_RE = re.compile(r"[A-Za-z0-9_-]+")
MAX_CURSOR_LENGTH = 512


def _cursor_key() -> bytes:
    return hashlib.sha256(b"pocdex.pocs.search-cursor\0" + settings.SECRET_KEY.encode()).digest()


def _cursor_context(actor: Caller, params: SearchParams) -> bytes:
    """What a cursor is bound to: the caller, and the search it continues (not the page size)."""
    return json.dumps(
        [
            str(actor.tenant_id),
            str(actor.id),
            params.sort,
            params.q,
            params.languages,
            params.tags,
            params.status,
            str(params.author or ""),
            params.visibility,
            params.created_from.isoformat() if params.created_from else None,
            params.created_to.isoformat() if params.created_to else None,
        ],
        separators=(",", ":"),
    ).encode()


def encode_cursor(values: list[Any], *, actor: Caller, params: SearchParams) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_cursor_key()).encrypt(
        nonce, json.dumps(values, separators=(",", ":")).encode(), _cursor_context(actor, params)
    )
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def decode_cursor(cursor: str, *, actor: Caller, params: SearchParams) -> list[Any]:
    """The sort values sealed in ``cursor`` for this actor and search, or ``invalid_cursor``."""
    if len(cursor) > MAX_CURSOR_LENGTH or not _CURSOR_RE.fullmatch(cursor):
        raise invalid_cursor()
    try:
        padded = (cursor + "=" * (-len(cursor) % 4)).encode("ascii")
        raw = base64.b64decode(padded, altchars=b"-_", validate=True)
        opened = AESGCM(_cursor_key()).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _cursor_context(actor, params)
        )
        values = json.loads(opened)
    except (ValueError, binascii.Error, UnicodeError, InvalidTag):
        raise invalid_cursor() from None
    if (
        not isinstance(values, list)
        or len(values) != len(_sort(params.sort))
        or not all(isinstance(v, int | float | str) for v in values)
    ):
        raise invalid_cursor()
    return values


def _aggregations() -> dict[str, Any]:
    return {
        "languages": {"terms": {"field": "languages", "size": FACET_SIZE}},
        "tags": {"terms": {"field": "tags", "size": FACET_SIZE}},
        "status": {"terms": {"field": "status", "size": FACET_SIZE}},
        "authors": {
            "terms": {"field": "author_id", "size": FACET_SIZE},
            "aggs": {"name": {"terms": {"field": "author_name.keyword", "size": 1}}},
        },
    }


def _highlights(hit: dict[str, Any]) -> dict[str, list[str]]:
    found = hit.get("highlight", {})
    out: dict[str, list[str]] = {}
    for name, candidates in _HIGHLIGHTED.items():
        for candidate in candidates:
            if found.get(candidate):
                out[name] = found[candidate]
                break
    return out


def _buckets(aggs: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [{"value": b["key"], "count": b["doc_count"]} for b in aggs[name]["buckets"]]


def poc_search(*, actor: Caller, params: SearchParams) -> SearchPage:
    """One page of the actor's visible POCs matching ``params``, with facet counts.

    Facets count the whole matching set (query and every filter), not just the
    page: they answer "how many of these results have tag X", so choosing a
    facet value never shows a count that then yields nothing.
    """
    body: dict[str, Any] = {
        "query": {"bool": {"must": [_text_query(params.q)], "filter": _filters(params)}},
        "size": params.limit + 1,
        "sort": _sort(params.sort),
        "track_total_hits": True,
        "_source": _SOURCE,
        "aggs": _aggregations(),
        "highlight": {
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "encoder": "html",
            "fields": {
                f: {"number_of_fragments": 0 if f.startswith("name") else 2, "fragment_size": 160}
                for candidates in _HIGHLIGHTED.values()
                for f in candidates
            },
        },
    }
    if params.cursor:
        body["search_after"] = decode_cursor(params.cursor, actor=actor, params=params)
    result = _scoped(actor, body)
    hits = result["hits"]["hits"]
    page, more = hits[: params.limit], len(hits) > params.limit
    aggs = result["aggregations"]
    return SearchPage(
        results=[{**hit["_source"], "highlights": _highlights(hit)} for hit in page],
        next=(
            encode_cursor(page[-1]["sort"], actor=actor, params=params) if more and page else None
        ),
        total=int(result["hits"]["total"]["value"]),
        facets={
            "languages": _buckets(aggs, "languages"),
            "tags": _buckets(aggs, "tags"),
            "status": _buckets(aggs, "status"),
            "authors": [
                {
                    "value": b["key"],
                    "label": (b["name"]["buckets"] or [{"key": ""}])[0]["key"],
                    "count": b["doc_count"],
                }
                for b in aggs["authors"]["buckets"]
            ],
        },
    )


# --------------------------------------------------------------------- suggest


def _regex_prefix(prefix: str) -> str:
    """A Lucene regular expression matching values that start with ``prefix`` literally."""
    return re.sub(r"([.?+*|{}\[\]()\"\\#@&<>~])", r"\\\1", prefix) + ".*"


def poc_suggest(*, actor: Caller, q: str) -> dict[str, list[dict[str, Any]]]:
    """POC names, tags and languages (of this organization) starting like ``q``."""
    text = q.strip()
    tag_prefix = tag_slug(text)
    language_prefix = re.sub(r"[^a-z0-9+#.\-]", "", fold(text).replace(" ", "-"))
    names = {
        "multi_match": {
            "query": text,
            "type": "bool_prefix",
            "fields": _PREFIX_FIELDS,
            "operator": "and",
        }
    }
    should: list[dict[str, Any]] = [names]
    if tag_prefix:
        should.append({"prefix": {"tags": tag_prefix}})
    if language_prefix:
        should.append({"prefix": {"languages": language_prefix}})
    body: dict[str, Any] = {
        # POCs whose name, a tag or a language starts like q: the aggregations
        # collect the matching tags and languages; post_filter keeps only the
        # name matches as hits.
        "query": {"bool": {"should": should, "minimum_should_match": 1}},
        "post_filter": names,
        "size": SUGGEST_SIZE,
        "_source": ["id", "name"],
        "track_total_hits": False,
        "aggs": {
            "tags": {
                "terms": {
                    "field": "tags",
                    "size": SUGGEST_SIZE,
                    "include": _regex_prefix(tag_prefix),
                }
            },
            "languages": {
                "terms": {
                    "field": "languages",
                    "size": SUGGEST_SIZE,
                    "include": _regex_prefix(language_prefix),
                }
            },
        },
    }
    result = _scoped(actor, body)
    scope = result["aggregations"]
    vocabulary = catalog()
    languages = []
    for bucket in scope["languages"]["buckets"]:
        entry = vocabulary.get(bucket["key"])
        languages.append(
            {
                "value": bucket["key"],
                "label": entry.name if entry else bucket["key"],
                "count": bucket["doc_count"],
            }
        )
    return {
        "names": [
            {"id": h["_source"]["id"], "name": h["_source"]["name"]} for h in result["hits"]["hits"]
        ],
        "tags": _buckets(scope, "tags"),
        "languages": languages,
    }
