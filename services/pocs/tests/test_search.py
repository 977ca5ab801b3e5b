"""Search through the API against the real OpenSearch node, indexed by the real worker.

Every test here commits (``worker``): POC writes go through the API, the worker
indexes them from ``pocs.search`` into a test-only alias
(``settings.SEARCH_INDEX_ALIAS``, ``pocs-test-…``) created for the session and
deleted at its end, so the platform's ``pocs`` index is never touched.
"""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from rest_framework.test import APIClient

from registry.models import Poc
from search.client import client
from search.models import PendingDocument
from search.rebuild import current_indices
from search.sync import catch_up

from .conftest import Member, error_code

CLOSED_PORT_URL = "http://127.0.0.1:9"  # discard port: nothing listens, connections are refused


def search(member: Member, **params: Any) -> dict[str, Any]:
    response = member.client.get("/api/v1/search/pocs", params)
    assert response.status_code == 200, response.content
    return dict(response.json())


def names(body: dict[str, Any]) -> list[str]:
    return [r["name"] for r in body["results"]]


def test_free_text_tolerates_typos_prefixes_accents_and_stems_pt_and_en(alice, create_poc, indexed):
    create_poc(
        alice,
        name="Autenticação biométrica no Android",
        summary="Login com digital",
        tags=["Segurança"],
    )
    create_poc(
        alice, name="Testes de carga com k6", summary="Um teste de performance", languages=["js"]
    )
    create_poc(
        alice,
        name="Caching strategies for mobile",
        summary="Running experiments with offline caches",
    )
    create_poc(alice, name="Integracao continua", summary="Pipeline sem acento no nome")
    indexed()

    assert names(search(alice, q="autentcacao")) == ["Autenticação biométrica no Android"]  # typo
    assert names(search(alice, q="autent")) == ["Autenticação biométrica no Android"]  # typing
    assert names(search(alice, q="autenticacao")) == [
        "Autenticação biométrica no Android"
    ]  # no accent
    assert names(search(alice, q="integração")) == [
        "Integracao continua"
    ]  # accent in the query only
    assert names(search(alice, q="testes")) == ["Testes de carga com k6"]
    assert names(search(alice, q="teste")) == ["Testes de carga com k6"]  # pt stemming
    assert names(search(alice, q="strategy")) == ["Caching strategies for mobile"]  # en stemming
    assert names(search(alice, q="experiment")) == ["Caching strategies for mobile"]  # summary
    assert names(search(alice, q="seguranca")) == ["Autenticação biométrica no Android"]  # tag
    assert names(search(alice, q="javascript")) == ["Testes de carga com k6"]  # language

    hit = search(alice, q="autenticacao")["results"][0]
    assert hit["highlights"]["name"] == ["<mark>Autenticação</mark> biométrica no Android"]
    hit = search(alice, q="digital")["results"][0]
    assert hit["highlights"]["summary"] == ["Login com <mark>digital</mark>"]
    assert hit["tags"] == ["seguranca"] and hit["tag_labels"] == ["Segurança"]


def test_filters_narrow_results_and_facets_count_the_matching_set(alice, bob, create_poc, indexed):
    create_poc(
        alice, name="App de pagamentos", languages=["kotlin"], tags=["pix", "mobile"], status="done"
    )
    create_poc(alice, name="Pagamentos no iOS", languages=["swift"], tags=["pix", "mobile"])
    create_poc(
        bob, name="Pagamentos web", languages=["typescript", "react"], tags=["pix"], status="done"
    )
    create_poc(bob, name="Chatbot interno", languages=["python"], tags=["ia"])
    indexed()

    body = search(alice, q="pagamentos")
    assert body["total"] == 3
    with alice.data():
        matching = list(Poc.objects.filter(name__icontains="pagamentos").prefetch_related("tags"))
    languages = Counter(lang for poc in matching for lang in poc.languages)
    tags = Counter(tag.slug for poc in matching for tag in poc.tags.all())
    statuses = Counter(poc.status for poc in matching)
    authors = Counter(str(poc.author_id) for poc in matching)
    facets = body["facets"]
    assert {f["value"]: f["count"] for f in facets["languages"]} == dict(languages)
    assert {f["value"]: f["count"] for f in facets["tags"]} == dict(tags)
    assert {f["value"]: f["count"] for f in facets["status"]} == dict(statuses)
    assert {f["value"]: f["count"] for f in facets["authors"]} == dict(authors)
    assert {f["label"] for f in facets["authors"]} == {"Alice Author", "Bob Colleague"}

    assert names(search(alice, q="pagamentos", language="kotlin")) == ["App de pagamentos"]
    assert sorted(names(search(alice, tag=["pix", "mobile"]))) == [
        "App de pagamentos",
        "Pagamentos no iOS",
    ]
    assert names(search(alice, tag=["pix", "mobile"], status="done")) == ["App de pagamentos"]
    assert sorted(names(search(alice, author=str(bob.id)))) == ["Chatbot interno", "Pagamentos web"]
    assert names(search(alice, language="js")) == []  # alias resolved, no POC uses it
    assert search(alice, q="pagamentos", tag="ia")["facets"]["tags"] == []
    with alice.data():
        day = Poc.objects.first().created_at.date().isoformat()  # type: ignore[union-attr]
    assert search(alice, **{"from": day, "to": day})["total"] == 4
    assert search(alice, **{"from": "2001-01-01", "to": "2001-12-31"})["total"] == 0


def test_recent_sort_and_cursor_pages_walk_every_result_once(alice, create_poc, indexed):
    created = [create_poc(alice, name=f"Cache experiment {i}")["name"] for i in range(5)]
    indexed()
    seen: list[str] = []
    cursor = None
    while True:
        params = {
            "q": "cache",
            "sort": "recent",
            "limit": 2,
            **({"cursor": cursor} if cursor else {}),
        }
        body = search(alice, **params)
        seen += names(body)
        cursor = body["next"]
        if not cursor:
            break
    assert seen == list(reversed(created))
    relevance = search(alice, q="cache", limit=50)
    assert sorted(names(relevance)) == sorted(created) and relevance["next"] is None


def test_private_pocs_and_other_organizations_never_show(alice, bob, outsider, create_poc, indexed):
    create_poc(
        alice,
        name="Segredo privado do Alice",
        tags=["secreto"],
        visibility="private",
        languages=["go"],
    )
    create_poc(alice, name="Projeto do time", tags=["time"], languages=["rust"])
    create_poc(
        outsider, name="Segredo de outra empresa", tags=["secreto-externo"], languages=["elixir"]
    )
    indexed()

    assert names(search(alice, q="segredo")) == ["Segredo privado do Alice"]
    assert names(search(bob, q="segredo")) == []
    assert names(search(outsider, q="segredo")) == ["Segredo de outra empresa"]

    everything = search(bob)
    assert names(everything) == ["Projeto do time"]
    assert {f["value"] for f in everything["facets"]["tags"]} == {"time"}
    assert {f["value"] for f in everything["facets"]["languages"]} == {"rust"}
    assert [f["value"] for f in everything["facets"]["authors"]] == [str(alice.id)]

    outside = search(outsider)
    assert names(outside) == ["Segredo de outra empresa"]
    assert {f["value"] for f in outside["facets"]["tags"]} == {"secreto-externo"}
    for typed in ("segr", "secr", "go", "ru", "proj"):
        suggestions = outsider.client.get("/api/v1/search/suggest", {"q": typed}).json()
        assert all(n["name"] == "Segredo de outra empresa" for n in suggestions["names"])
        assert {t["value"] for t in suggestions["tags"]} <= {"secreto-externo"}
        assert suggestions["languages"] == []
    bob_suggests = bob.client.get("/api/v1/search/suggest", {"q": "se"}).json()
    assert bob_suggests == {"names": [], "tags": [], "languages": []}


def test_suggest_offers_names_tags_and_languages_starting_like_the_text(alice, create_poc, indexed):
    create_poc(
        alice, name="Kafka streams para pedidos", tags=["Kafka", "mensageria"], languages=["kotlin"]
    )
    create_poc(alice, name="Kotlin Multiplatform no app", tags=["kmp"], languages=["kotlin"])
    indexed()
    body = alice.client.get("/api/v1/search/suggest", {"q": "k"}).json()
    assert sorted(n["name"] for n in body["names"]) == [
        "Kafka streams para pedidos",
        "Kotlin Multiplatform no app",
    ]
    assert {t["value"] for t in body["tags"]} == {"kafka", "kmp"}
    assert body["languages"] == [{"value": "kotlin", "label": "Kotlin", "count": 2}]
    body = alice.client.get("/api/v1/search/suggest", {"q": "kotlin mult"}).json()
    assert [n["name"] for n in body["names"]] == ["Kotlin Multiplatform no app"]
    body = alice.client.get("/api/v1/search/suggest", {"q": "mensa"}).json()
    assert body["names"] == [] and body["tags"] == [{"value": "mensageria", "count": 1}]


def test_deleted_and_changed_pocs_follow_the_database(alice, create_poc, indexed):
    poc = create_poc(alice, name="Protótipo descartável")
    other = create_poc(alice, name="Protótipo renomeado")
    indexed()
    assert alice.client.delete(f"/api/v1/pocs/{poc['id']}").status_code == 204
    assert (
        alice.client.patch(
            f"/api/v1/pocs/{other['id']}", {"name": "Nome novo"}, format="json"
        ).status_code
        == 200
    )
    indexed()
    assert names(search(alice, q="prototipo")) == []
    assert names(search(alice, q="nome novo")) == ["Nome novo"]
    assert alice.client.post(f"/api/v1/pocs/{poc['id']}/restore").status_code == 200
    indexed()
    assert names(search(alice, q="prototipo")) == ["Protótipo descartável"]
    assert not PendingDocument.objects.exists()


def test_index_catches_up_after_an_opensearch_outage(alice, create_poc, indexed):
    with override_settings(OPENSEARCH_URL=CLOSED_PORT_URL):
        written = [create_poc(alice, name=f"Escrito durante a queda {i}") for i in range(3)]
        response = alice.client.get("/api/v1/search/pocs", {"q": "queda"})
        assert response.status_code == 503 and error_code(response) == "search_unavailable"
        time.sleep(1.0)  # the syncs fail and are retried later
    assert PendingDocument.objects.filter(poc_id__in=[w["id"] for w in written]).count() == 3
    assert catch_up() == 3  # what the beat task does
    indexed()
    assert sorted(names(search(alice, q="queda"))) == sorted(w["name"] for w in written)
    assert not PendingDocument.objects.exists()


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"sort": "popular"}, "invalid_filter"),
        ({"from": "2025-13-01"}, "invalid_filter"),
        ({"from": "2025-02-01", "to": "2025-01-01"}, "invalid_filter"),
        ({"status": "finished"}, "invalid_filter"),
        ({"author": "me-myself"}, "invalid_filter"),
        ({"language": "klingon"}, "invalid_filter"),
        ({"limit": "0"}, "invalid_limit"),
        ({"limit": "51"}, "invalid_limit"),
        ({"limit": "ten"}, "invalid_limit"),
        ({"q": "x" * 201}, "query_too_long"),
        ({"cursor": "not-a-cursor"}, "invalid_cursor"),
    ],
)
def test_bad_parameters_get_coded_400(alice, search_index, params, code):
    response = alice.client.get("/api/v1/search/pocs", params)
    assert response.status_code == 400, response.content
    assert error_code(response) == code


def test_suggest_needs_text(alice):
    response = alice.client.get("/api/v1/search/suggest")
    assert response.status_code == 400 and error_code(response) == "invalid_filter"


def test_unreachable_opensearch_is_a_coded_503(alice, settings):
    settings.OPENSEARCH_URL = CLOSED_PORT_URL
    for path, params in (
        ("/api/v1/search/pocs", {"q": "x"}),
        ("/api/v1/search/suggest", {"q": "x"}),
    ):
        response = alice.client.get(path, params)
        assert response.status_code == 503
        assert error_code(response) == "search_unavailable"
        assert response["Retry-After"] == "5"


def test_search_needs_a_token():
    response = APIClient().get("/api/v1/search/pocs", {"q": "x"})
    assert response.status_code == 401 and error_code(response) == "not_authenticated"


def test_rebuild_swaps_the_alias_to_a_new_index_with_every_poc(
    alice, outsider, create_poc, indexed
):
    create_poc(alice, name="Reconstruído A")
    create_poc(outsider, name="Reconstruído B")
    indexed()
    before = current_indices()
    call_command("rebuild_search_index")
    call_command("rebuild_search_index")  # idempotent
    after = current_indices()
    assert len(after) == 1 and after != before
    assert not any(client().indices.exists(index=i) for i in before)
    assert names(search(alice, q="reconstruido")) == ["Reconstruído A"]
    assert names(search(outsider, q="reconstruido")) == ["Reconstruído B"]


# ------------------------------------------------------------------ tenants and relevance


def test_ranking_does_not_move_with_other_organizations_documents(
    alice, outsider, create_poc, indexed
):
    """With BM25, the outsider's POCs named "orion" would make the term cheap in names
    (shared term statistics) and push the summary match above the name match."""
    in_name = create_poc(alice, name="Orion telescópio", summary="Montagem equatorial")
    in_summary = create_poc(alice, name="Montagem de lentes", summary="Para o projeto orion")
    indexed()
    before = names(search(alice, q="orion"))
    assert sorted(before) == sorted([in_name["name"], in_summary["name"]])

    for i in range(15):
        create_poc(outsider, name=f"Orion {i}", summary=f"Resumo sem o termo {i}")
    indexed()
    assert names(search(alice, q="orion")) == before
    assert before[0] == in_name["name"]  # the name weighs more than the summary


def _walk(member: Member, **params: Any) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        body = search(member, **params, **({"cursor": cursor} if cursor else {}))
        seen += names(body)
        cursor = body["next"]
        if not cursor:
            return seen


def test_cursors_reveal_nothing_of_the_hits(alice, create_poc, indexed):
    for i in range(3):
        create_poc(alice, name=f"Cursor opaco {i}")
    indexed()
    first = search(alice, q="cursor", limit=1)
    last = first["results"][0]
    raw = base64.urlsafe_b64decode(first["next"] + "=" * (-len(first["next"]) % 4))
    for readable in (last["id"], last["created_at"][:10], "score"):
        assert readable.encode() not in raw
    # Not the readable JSON array of sort values it used to be. (A single byte
    # such as "[" may well occur in a ciphertext: only whole values are checked.)
    with pytest.raises(ValueError):
        json.loads(raw)
    assert len(_walk(alice, q="cursor", limit=1)) == 3  # and they still page through


def _forged(values: list[Any]) -> str:
    """A cursor in the readable format cursors used to have."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def test_forged_truncated_altered_and_huge_cursors_are_coded_400(alice, create_poc, indexed):
    for i in range(3):
        create_poc(alice, name=f"Cursor forjado {i}")
    indexed()
    good = search(alice, q="forjado", limit=1)["next"]
    flipped = good[:10] + ("A" if good[10] != "A" else "B") + good[11:]
    hostile = [
        _forged(["x", "y", "z"]),  # wrong types for _score and created_at
        _forged([1e308, -1, "a" * 300]),
        _forged([{"a": 1}, [], None]),
        _forged([]),
        good[: len(good) // 2],  # truncated
        good[:-1],
        flipped,  # one character changed
        good + "AAAA",
        "x" * 5000,  # huge
        "%%%",
        "",
        "²³",
        "\u0000",
    ]
    for cursor in hostile:
        response = alice.client.get(
            "/api/v1/search/pocs", {"q": "forjado", "limit": 1, "cursor": cursor}
        )
        if cursor == "":  # no cursor: the first page
            assert response.status_code == 200
            continue
        assert response.status_code == 400, (cursor, response.content)
        assert error_code(response) == "invalid_cursor"


def test_a_cursor_continues_only_its_own_search_for_its_own_member(
    alice, bob, outsider, create_poc, indexed
):
    for member in (alice, outsider):
        for i in range(3):
            create_poc(member, name=f"Cursor alheio {i}")
    indexed()
    mine = search(alice, q="alheio", limit=1)["next"]
    theirs = search(outsider, q="alheio", limit=1)["next"]
    refused = [
        (alice, {"q": "alheio", "cursor": theirs}),  # another organization's
        (outsider, {"q": "alheio", "cursor": mine}),
        (bob, {"q": "alheio", "cursor": mine}),  # another member's
        (alice, {"q": "outra coisa", "cursor": mine}),  # another search's
        (alice, {"q": "alheio", "sort": "recent", "cursor": mine}),
        (alice, {"q": "alheio", "status": "done", "cursor": mine}),
    ]
    for member, params in refused:
        response = member.client.get("/api/v1/search/pocs", {"limit": 1, **params})
        assert response.status_code == 400, (params, response.content)
        assert error_code(response) == "invalid_cursor"
    accepted = alice.client.get("/api/v1/search/pocs", {"q": "alheio", "limit": 2, "cursor": mine})
    assert accepted.status_code == 200  # the page size may change
