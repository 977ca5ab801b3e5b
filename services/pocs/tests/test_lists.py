"""Filters, ordering and cursor pagination of the POC list."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from registry.models import Poc

from .conftest import error_code

pytestmark = pytest.mark.django_db


def _names(member, query: str = "") -> list[str]:
    response = member.client.get(f"/api/v1/pocs{query}")
    assert response.status_code == 200, response.content
    return [p["name"] for p in response.json()["results"]]


@pytest.fixture
def catalog_of_pocs(alice, bob, create_poc):
    create_poc(alice, name="Alpha", status="done", languages=["python"], tags=["ml", "nlp"])
    create_poc(alice, name="Bravo", status="idea", languages=["js", "react"], tags=["frontend"])
    create_poc(bob, name="Charlie", status="done", languages=["python", "django"], tags=["ml"])
    create_poc(alice, name="Delta", status="abandoned", visibility="private", tags=["ml"])


def test_default_order_is_most_recently_updated_first(catalog_of_pocs, alice):
    assert _names(alice) == ["Delta", "Charlie", "Bravo", "Alpha"]


def test_status_filter_accepts_several_values(catalog_of_pocs, alice):
    assert _names(alice, "?status=done&ordering=name") == ["Alpha", "Charlie"]
    assert _names(alice, "?status=done&status=idea&ordering=name") == ["Alpha", "Bravo", "Charlie"]


def test_language_filter_resolves_aliases_and_requires_all(catalog_of_pocs, alice):
    assert _names(alice, "?language=py&ordering=name") == ["Alpha", "Charlie"]
    assert _names(alice, "?language=Python&language=django") == ["Charlie"]
    assert _names(alice, "?language=JavaScript") == ["Bravo"]


def test_tag_filter_normalizes_and_requires_all(catalog_of_pocs, alice, bob):
    assert _names(alice, "?tag=ML&ordering=name") == ["Alpha", "Charlie", "Delta"]
    assert _names(alice, "?tag=ml&tag=NLP") == ["Alpha"]
    assert _names(bob, "?tag=ml&ordering=name") == ["Alpha", "Charlie"]


def test_author_filter_takes_an_id_or_me(catalog_of_pocs, alice, bob):
    assert _names(alice, f"?author={bob.id}") == ["Charlie"]
    assert _names(bob, "?author=me") == ["Charlie"]
    assert _names(alice, "?author=me&visibility=private") == ["Delta"]


def test_created_date_range_is_inclusive_by_day(catalog_of_pocs, alice):
    with alice.data():
        day = timezone.make_aware(datetime(2025, 6, 10, 23, 30))
        Poc.objects.filter(name="Alpha").update(created_at=day)
        Poc.objects.filter(name="Bravo").update(created_at=day + timedelta(days=1))
    assert _names(alice, "?created_from=2025-06-10&created_to=2025-06-10") == ["Alpha"]
    assert _names(alice, "?created_from=2025-06-01&created_to=2025-06-30&ordering=name") == [
        "Alpha",
        "Bravo",
    ]


def test_ordering_by_name_and_by_creation(catalog_of_pocs, alice):
    assert _names(alice, "?ordering=name") == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert _names(alice, "?ordering=-created_at") == ["Delta", "Charlie", "Bravo", "Alpha"]


def test_cursor_pagination_walks_every_poc_once(alice, create_poc):
    for index in range(7):
        create_poc(alice, name=f"POC {index:02d}")
    seen: list[str] = []
    url = "/api/v1/pocs?limit=3&ordering=name"
    while url:
        body = alice.client.get(url).json()
        seen += [p["name"] for p in body["results"]]
        url = f"/api/v1/pocs?limit=3&ordering=name&cursor={body['next']}" if body["next"] else ""
    assert seen == [f"POC {index:02d}" for index in range(7)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?status=finished", "status.0"),
        ("?visibility=everyone", "visibility"),
        ("?ordering=-name", "ordering"),
        ("?created_from=yesterday", "created_from"),
        ("?created_from=2025-02-01&created_to=2025-01-01", "created_to"),
        ("?author=someone", "author"),
        ("?language=klingon", "language.0"),
    ],
)
def test_invalid_filter_values_are_refused_with_a_code(alice, query, field):
    response = alice.client.get(f"/api/v1/pocs{query}")
    assert response.status_code == 400
    assert error_code(response) == "invalid_filter"
    assert field in response.json()["error"]["fields"]


def test_a_cursor_for_another_ordering_is_refused(alice, create_poc):
    create_poc(alice)
    create_poc(alice)
    cursor = alice.client.get("/api/v1/pocs?limit=1").json()["next"]
    response = alice.client.get(f"/api/v1/pocs?limit=1&ordering=name&cursor={cursor}")
    assert response.status_code == 400 and error_code(response) == "invalid_cursor"


def test_languages_list_counts_visible_pocs_and_filters_by_prefix(catalog_of_pocs, alice):
    body = alice.client.get("/api/v1/languages").json()
    counts = {row["slug"]: row["count"] for row in body["results"]}
    assert counts["python"] == 2 and counts["javascript"] == 1 and counts["react"] == 1
    assert body["results"][0]["slug"] == "python"
    prefixed = alice.client.get("/api/v1/languages?q=Jav").json()["results"]
    assert {row["slug"] for row in prefixed} == {"java", "javascript"}
    by_alias = alice.client.get("/api/v1/languages?q=k8").json()["results"]
    assert [row["name"] for row in by_alias] == ["Kubernetes"]


def test_tags_list_counts_and_filters_by_prefix(catalog_of_pocs, alice, bob):
    rows = alice.client.get("/api/v1/tags").json()["results"]
    assert [(r["slug"], r["count"]) for r in rows] == [
        ("ml", 3),
        ("frontend", 1),
        ("nlp", 1),
    ]
    assert [r["slug"] for r in bob.client.get("/api/v1/tags?q=N").json()["results"]] == ["nlp"]
    # Bob cannot see Alice's private POC, so it is not counted for him.
    assert bob.client.get("/api/v1/tags?q=ml").json()["results"][0]["count"] == 2
