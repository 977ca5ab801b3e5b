"""The shape of the shared ``pocs`` index: analyzers, fields, and a POC as a document.

One index for every organization (behind the alias ``settings.SEARCH_INDEX_ALIAS``),
documents keyed by POC id and routed by tenant id. Text fields are indexed
three ways:

* the field itself with ``folded`` (lower case, accents folded, no stemming):
  what fuzzy (typo-tolerant) matching and highlighting run on;
* ``.pt``: Portuguese stop words, accents folded, then the light Portuguese
  stemmer ("testes" → "test", "autenticação" = "autenticacao");
* ``.en``: English possessives, stop words, accents folded, Porter stemming.

``name`` also has ``.sayt`` (``search_as_you_type``: edge n-grams and shingles)
for prefix matching while typing and for suggestions.

Every text field scores with the ``boolean`` similarity: a matching term is
worth its query boost, nothing else. BM25 would weigh terms by statistics of the
shard (document frequency, average length), and the shard holds other
organizations' documents too, so an organization's ranking would move with what
others write and reveal it (docs/adr/0020).
"""

from __future__ import annotations

from typing import Any

from django_opensearch_dsl import Document, fields
from opensearchpy import analyzer, token_filter

from registry.models import Poc

pt_stop = token_filter("pt_stop", type="stop", stopwords="_portuguese_")
pt_stem = token_filter("pt_stem", type="stemmer", language="light_portuguese")
en_stop = token_filter("en_stop", type="stop", stopwords="_english_")
en_possessive = token_filter("en_possessive", type="stemmer", language="possessive_english")
en_stem = token_filter("en_stem", type="stemmer", language="english")

folded = analyzer("folded", tokenizer="standard", filter=["lowercase", "asciifolding"])
portuguese_folded = analyzer(
    "portuguese_folded",
    tokenizer="standard",
    filter=["lowercase", pt_stop, "asciifolding", pt_stem],
)
english_folded = analyzer(
    "english_folded",
    tokenizer="standard",
    filter=[en_possessive, "lowercase", en_stop, "asciifolding", en_stem],
)
keyword_folded = analyzer(
    "keyword_folded", tokenizer="keyword", filter=["lowercase", "asciifolding"]
)


# Scores independent of every other document in the index (see the module docstring).
SIMILARITY = "boolean"


def _text(**extra: Any) -> fields.TextField:
    return fields.TextField(
        analyzer=folded,
        similarity=SIMILARITY,
        fields={
            "pt": fields.TextField(analyzer=portuguese_folded, similarity=SIMILARITY),
            "en": fields.TextField(analyzer=english_folded, similarity=SIMILARITY),
            **extra,
        },
    )


def _vocabulary() -> fields.KeywordField:
    """Normalized slugs as keywords (filters, facets) plus words to match free text."""
    return fields.KeywordField(
        multi=True, fields={"text": fields.TextField(analyzer=folded, similarity=SIMILARITY)}
    )


class PocDocument(Document):
    """A POC as the index holds it. Not registered with django-opensearch-dsl's registry.

    The library's registry indexes one model from one database schema; POCs
    live in one schema per organization and are written by ``search.sync``
    (which reads each schema) and ``search.rebuild`` (which swaps aliases).
    """

    id = fields.KeywordField()
    tenant_id = fields.KeywordField()
    name = _text(
        sayt=fields.SearchAsYouTypeField(
            analyzer=folded, max_shingle_size=3, similarity=SIMILARITY
        ),
    )
    summary = _text()
    description = _text()
    hypothesis = _text()
    learnings = _text()
    languages = _vocabulary()
    tags = _vocabulary()
    tag_labels = fields.KeywordField(multi=True, index=False)
    status = fields.KeywordField()
    outcome = fields.KeywordField()
    visibility = fields.KeywordField()
    author_id = fields.KeywordField()
    author_name = fields.TextField(
        analyzer=folded, similarity=SIMILARITY, fields={"keyword": fields.KeywordField()}
    )
    started_on = fields.DateField()
    finished_on = fields.DateField()
    created_at = fields.DateField()
    updated_at = fields.DateField()
    deleted = fields.BooleanField()

    class Index:
        # The concrete index name is chosen at creation time (``search.rebuild``).
        name = "pocs"
        settings = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s"}

    class Django:
        model = Poc


def index_body(*, shards: int, replicas: int) -> dict[str, Any]:
    """Settings (analysis included) and mappings for a new concrete index."""
    body: dict[str, Any] = PocDocument._index.to_dict()
    body["settings"] = {
        **body.get("settings", {}),
        "number_of_shards": shards,
        "number_of_replicas": replicas,
    }
    # Unknown fields are refused rather than guessed at.
    body["mappings"]["dynamic"] = "strict"
    return body


def to_source(poc: Poc, *, tenant_id: str) -> dict[str, Any]:
    """The document for ``poc`` (its tags prefetched or not)."""
    tags = list(poc.tags.all())
    return {
        "id": str(poc.id),
        "tenant_id": tenant_id,
        "name": poc.name,
        "summary": poc.summary,
        "description": poc.description,
        "hypothesis": poc.hypothesis,
        "learnings": poc.learnings,
        "languages": list(poc.languages),
        "tags": [tag.slug for tag in tags],
        "tag_labels": [tag.label for tag in tags],
        "status": poc.status,
        "outcome": poc.outcome,
        "visibility": poc.visibility,
        "author_id": str(poc.author_id),
        "author_name": poc.author_name,
        "started_on": poc.started_on.isoformat() if poc.started_on else None,
        "finished_on": poc.finished_on.isoformat() if poc.finished_on else None,
        "created_at": poc.created_at.isoformat(),
        "updated_at": poc.updated_at.isoformat(),
        "deleted": poc.deleted_at is not None,
    }
