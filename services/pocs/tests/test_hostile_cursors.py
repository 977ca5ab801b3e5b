"""Every list endpoint answers a cursor it did not mint with a coded 400, never a 500.

Cursors of the keyset lists are base64 JSON ``{"o": <ordering>, "v": [values]}``
(``pocdex_shared.pagination``); these are built with the right ordering, so they
get past the fingerprint check and reach the value parsing and the query.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from .conftest import Member, error_code
from .test_internal_api import pocs_url, service

pytestmark = pytest.mark.django_db

NOW = "2026-01-02T03:04:05.123456+00:00"
UUID = "00000000-0000-4000-8000-000000000001"

HOSTILE_VALUES: list[Any] = [
    "\u0000",
    "nul\u0000in the middle",
    10**40,
    -(10**40),
    1.5,
    True,
    None,
    [],
    {"a": 1},
    "2026-02-30T00:00:00Z",
    "²",
    "٣",
    "x" * 300,
]


def _cursor(ordering: str, values: list[Any]) -> str:
    raw = json.dumps({"o": ordering, "v": values}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _lists(member: Member, poc_id: str) -> list[tuple[str, dict[str, str], str, list[Any]]]:
    """(path, params, ordering fingerprint, plausible values) for every list."""
    return [
        ("/api/v1/pocs", {}, "-updated_at,-pk", [NOW, UUID]),
        ("/api/v1/pocs", {"ordering": "name"}, "name,pk", ["Alpha", UUID]),
        ("/api/v1/pocs", {"ordering": "-created_at"}, "-created_at,-pk", [NOW, UUID]),
        ("/api/v1/pocs/deleted", {}, "-deleted_at,id", [NOW, UUID]),
        ("/api/v1/languages", {}, "-count,slug,pk", [1, "python", "python"]),
        ("/api/v1/tags", {}, "-count,slug,pk", [1, "ml", 7]),
        (f"/api/v1/pocs/{poc_id}/attachments", {}, "created_at,id", [NOW, UUID]),
        (f"/api/v1/pocs/{poc_id}/git-activity", {}, "-pushed_at,id", [NOW, UUID]),
    ]


@pytest.fixture
def listed(alice, create_poc):
    poc = create_poc(alice, name="Alpha", tags=["ml"], languages=["python"])
    create_poc(alice, name="Bravo", tags=["ml", "web"], languages=["python"])
    deleted = create_poc(alice, name="Charlie")
    assert alice.client.delete(f"/api/v1/pocs/{deleted['id']}").status_code == 204
    return poc


def _get(member: Member, path: str, params: dict[str, str], cursor: str) -> Any:
    return member.client.get(path, {**params, "limit": 1, "cursor": cursor})


def test_well_formed_cursors_of_every_list_are_accepted(alice, listed):
    """The fingerprints below are the real ones: the hostile cases reach the values."""
    for path, params, ordering, values in _lists(alice, listed["id"]):
        response = _get(alice, path, params, _cursor(ordering, values))
        assert response.status_code == 200, (path, params, response.content)


def test_cursors_with_hostile_values_are_coded_400_on_every_list(alice, listed):
    for path, params, ordering, values in _lists(alice, listed["id"]):
        cases = [_cursor(ordering, [hostile] * len(values)) for hostile in HOSTILE_VALUES]
        # Only the first value bad (any text is a possible name: not there, but NUL is).
        text_first = isinstance(values[0], str) and not values[0].startswith("2026")
        cases += [
            _cursor(ordering, [hostile, *values[1:]])
            for hostile in HOSTILE_VALUES
            if not (text_first and isinstance(hostile, str) and "\u0000" not in hostile)
        ]
        cases += [
            _cursor(ordering, values[:-1]),  # too few values
            _cursor(ordering, [*values, values[-1]]),  # too many
            _cursor(ordering, values)[:-3],  # truncated
            _cursor(ordering, values) + "!",
            "A" * 5000,  # huge
            "²",
            "\u0000",
            "e30",  # {}
            "W10",  # []
        ]
        for cursor in cases:
            response = _get(alice, path, params, cursor)
            assert response.status_code == 400, (path, params, cursor, response.content)
            assert error_code(response) == "invalid_cursor", (path, cursor, response.content)


def test_hostile_cursors_on_the_internal_poc_list_are_coded_400(alice, listed):
    media = service("media")
    assert (
        media.get(pocs_url(alice), {"cursor": _cursor("created_at,id", [NOW, UUID])}).status_code
        == 200
    )
    for hostile in HOSTILE_VALUES:
        response = media.get(pocs_url(alice), {"cursor": _cursor("created_at,id", [hostile, UUID])})
        assert response.status_code == 400, (hostile, response.content)
        assert error_code(response) == "invalid_cursor"


def test_another_organizations_cursor_shows_only_the_callers_pocs(alice, outsider, create_poc):
    """A keyset cursor is a position (values the holder saw), not a grant."""
    for name in ("Um", "Dois", "Tres"):
        create_poc(alice, name=name)
        create_poc(outsider, name=f"Fora {name}")
    theirs = outsider.client.get("/api/v1/pocs", {"limit": 1, "ordering": "name"}).json()["next"]
    response = alice.client.get("/api/v1/pocs", {"limit": 10, "ordering": "name", "cursor": theirs})
    assert response.status_code == 200
    names = [p["name"] for p in response.json()["results"]]
    assert names and not any(name.startswith("Fora") for name in names)
