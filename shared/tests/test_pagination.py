"""Keyset pagination over in-memory sequences and real querysets."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from pocdex_shared.errors import ApiError
from pocdex_shared.pagination import CursorPagination
from tests._b_views import UserListView

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Poc:
    id: uuid.UUID
    name: str
    created_at: datetime


def pocs(count: int, *, same_time_every: int = 1) -> list[Poc]:
    """``count`` POCs, ``same_time_every`` of them sharing each creation time (ties)."""
    return [
        Poc(
            id=uuid.uuid4(),
            name=f"poc-{i}",
            created_at=T0 + timedelta(minutes=i // same_time_every),
        )
        for i in range(count)
    ]


def request(**params: str) -> Request:
    return Request(APIRequestFactory().get("/pocs", params))


def page(items: Any, view: Any = None, **params: str) -> tuple[list[Any], str | None]:
    paginator = CursorPagination()
    results = paginator.paginate_queryset(items, request(**params), view)
    return results, paginator.next_cursor


def walk(items: Any, *, limit: int, view: Any = None) -> list[list[Any]]:
    pages: list[list[Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        results, cursor = page(items, view, **params)
        pages.append(results)
        if cursor is None:
            return pages
        assert len(pages) < 100, "pagination does not terminate"


def cursor_of(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()


def error_code(items: Any, **params: str) -> str:
    with pytest.raises(ApiError) as caught:
        page(items, **params)
    assert caught.value.status_code == 400
    return caught.value.code


# ------------------------------------------------------------------ sequences


def test_default_page_is_the_20_newest() -> None:
    items = pocs(30)

    results, cursor = page(items)

    assert [p.name for p in results] == [f"poc-{i}" for i in range(29, 9, -1)]
    assert cursor is not None


def test_walking_every_page_returns_each_item_once_in_order_despite_ties() -> None:
    items = pocs(23, same_time_every=4)
    expected = sorted(items, key=lambda p: (p.created_at, str(p.id)), reverse=True)

    pages = walk(items, limit=5)

    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert [p.id for chunk in pages for p in chunk] == [p.id for p in expected]


def test_last_page_has_no_next_cursor() -> None:
    results, cursor = page(pocs(3), limit="3")

    assert len(results) == 3
    assert cursor is None


def test_items_created_while_scrolling_do_not_shift_the_next_page() -> None:
    items = pocs(6)
    first, cursor = page(items, limit="3")
    assert cursor is not None

    newer = Poc(id=uuid.uuid4(), name="new", created_at=T0 + timedelta(days=1))
    second, _ = page([newer, *items], limit="3", cursor=cursor)

    assert [p.name for p in first] == ["poc-5", "poc-4", "poc-3"]
    assert [p.name for p in second] == ["poc-2", "poc-1", "poc-0"]


def test_view_can_choose_its_ordering() -> None:
    class ByName:
        cursor_ordering = ("name",)

    items = [{"id": i, "name": name} for i, name in enumerate(["kotlin", "go", "rust", "elixir"])]

    pages = walk(items, limit=3, view=ByName())

    assert [[item["name"] for item in chunk] for chunk in pages] == [
        ["elixir", "go", "kotlin"],
        ["rust"],
    ]


@pytest.mark.parametrize("limit", ["0", "-1", "101", "abc", "1.5", "1e2", " 5", "²"])
def test_invalid_limit_is_a_400_invalid_limit(limit: str) -> None:
    assert error_code(pocs(3), limit=limit) == "invalid_limit"


def test_limit_of_100_is_allowed() -> None:
    results, cursor = page(pocs(150), limit="100")

    assert len(results) == 100
    assert cursor is not None


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "bm90IGpzb24",
        cursor_of({"o": "-created_at,pk", "v": ["2026-03-01T12:00:00+00:00"]}),
        cursor_of({"o": "name,pk", "v": ["a", 1]}),
        cursor_of({"o": "-created_at,pk", "v": "not-a-list"}),
        cursor_of({"o": "-created_at,pk", "v": ["yesterday", str(uuid.uuid4())]}),
        cursor_of(["-created_at,pk"]),
        "A" * 5000,
    ],
    ids=[
        "not-base64",
        "not-json",
        "too-few-values",
        "other-ordering",
        "values-not-a-list",
        "bad-date",
        "not-an-object",
        "huge",
    ],
)
def test_invalid_cursor_is_a_400_invalid_cursor(cursor: str) -> None:
    assert error_code(pocs(3), cursor=cursor) == "invalid_cursor"


def test_cursor_minted_for_another_ordering_is_refused() -> None:
    class OldestFirst:
        cursor_ordering = ("created_at",)

    items = pocs(6)
    _, oldest_first_cursor = page(items, OldestFirst(), limit="2")
    assert oldest_first_cursor is not None

    assert error_code(items, cursor=oldest_first_cursor) == "invalid_cursor"


def test_response_has_exactly_results_and_next() -> None:
    paginator = CursorPagination()
    paginator.paginate_queryset(pocs(3), request(limit="2"))

    response = paginator.get_paginated_response(["a", "b"])

    assert list(response.data) == ["results", "next"]
    assert response.data["results"] == ["a", "b"]
    assert isinstance(response.data["next"], str)


# ------------------------------------------------------------------ querysets


@pytest.fixture
def users(db: None) -> list[User]:
    """Seven users, created at only three distinct instants (ties on date_joined)."""
    created = []
    for i in range(7):
        user = User.objects.create(username=f"b-user-{i}")
        user.date_joined = T0 + timedelta(minutes=i // 3)
        user.save(update_fields=["date_joined"])
        created.append(user)
    User.objects.create(username="someone-else")  # filtered out by the view
    return created


def test_list_endpoint_pages_through_the_database_with_ties(
    client: Client, users: list[User]
) -> None:
    expected = sorted(users, key=lambda u: (u.date_joined, u.pk), reverse=True)
    seen: list[int] = []
    url = "/_b/users?limit=3"

    while True:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"results", "next"}
        seen += [row["id"] for row in body["results"]]
        if body["next"] is None:
            break
        url = f"/_b/users?limit=3&cursor={body['next']}"

    assert seen == [u.pk for u in expected]


def test_queryset_page_after_a_cursor_uses_the_database(users: list[User]) -> None:
    view = UserListView()
    queryset = User.objects.filter(username__startswith="b-")
    first, cursor = page(queryset, view, limit="4")
    assert cursor is not None

    second, last_cursor = page(queryset, view, limit="4", cursor=cursor)

    assert len(first) == 4
    assert len(second) == 3
    assert last_cursor is None
    assert {u.pk for u in first}.isdisjoint({u.pk for u in second})


def test_cursor_with_a_value_of_the_wrong_type_is_invalid_for_a_queryset(
    users: list[User],
) -> None:
    queryset = User.objects.filter(username__startswith="b-")
    bad = cursor_of({"o": "-date_joined,-pk", "v": ["not a date", 1]})

    assert error_code(queryset, view=UserListView(), cursor=bad) == "invalid_cursor"


@pytest.mark.parametrize(
    "values",
    [
        [True, 1],  # a boolean is not a date, even if the database could compare it
        ["2026-03-01T12:00:00+00:00", True],
        ["2026-03-01T12:00:00+00:00", "1"],  # a number as text: not what the encoder writes
        ["2026-03-01T12:00:00+00:00", 2**70],  # beyond bigint
        ["2026-03-01T12:00:00+00:00", 1.5],
        ["2026-03-01", 1],  # a date for a date and time
        ["2026-03-01T12:00:00\u0000+00:00", 1],  # NUL: PostgreSQL refuses it in text
        [["2026-03-01T12:00:00+00:00"], 1],
        [{"a": 1}, 1],
        [None, 1],
    ],
)
def test_cursor_values_must_be_what_the_encoder_writes(
    users: list[User], values: list[Any]
) -> None:
    queryset = User.objects.filter(username__startswith="b-")
    forged = cursor_of({"o": "-date_joined,-pk", "v": values})

    assert error_code(queryset, view=UserListView(), cursor=forged) == "invalid_cursor"


def test_a_cursor_outside_the_url_safe_alphabet_is_invalid(users: list[User]) -> None:
    queryset = User.objects.filter(username__startswith="b-")
    _, cursor = page(queryset, UserListView(), limit="2")
    assert cursor is not None

    for altered in (cursor + "!", cursor + "=", cursor.replace("-", "+") + "+/", " " + cursor):
        assert error_code(queryset, view=UserListView(), cursor=altered) == "invalid_cursor"


def test_unique_last_field_needs_no_tie_breaker(db: None) -> None:
    class ByUsername:
        cursor_ordering = ("username",)

    ordering = CursorPagination().get_ordering(User.objects.all(), ByUsername())

    assert [str(field) for field in ordering] == ["username"]


def test_invalid_limit_through_the_api_is_a_coded_400(client: Client) -> None:
    response = client.get("/_b/users?limit=1000")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_limit"


def test_invalid_cursor_through_the_api_is_a_coded_400(client: Client) -> None:
    response = client.get("/_b/users?cursor=nonsense")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


# ------------------------------------------------------------------ OpenAPI


def test_openapi_schema_describes_results_next_and_the_query_parameters() -> None:
    class DocumentedUserList(UserListView):
        schema = AutoSchema()

    from django.urls import path

    generator = SchemaGenerator(patterns=[path("users", DocumentedUserList.as_view())])
    schema = generator.get_schema(request=None, public=True)

    operation = schema["paths"]["/users"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "default": 20,
    }
    assert parameters["cursor"]["schema"] == {"type": "string"}
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    paginated = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert paginated["required"] == ["results", "next"]
    assert paginated["properties"]["next"]["nullable"] is True
    assert paginated["properties"]["results"]["type"] == "array"
