"""The job lists answer a cursor they did not mint with a coded 400, never a 500."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from .conftest import error_code

pytestmark = pytest.mark.django_db(transaction=False)

ORDERING = "-created_at,-pk"  # the lists' ordering: newest first, id as tie-breaker
NOW = "2026-01-02T03:04:05.123456+00:00"
UUID = "00000000-0000-4000-8000-000000000001"
HOSTILE: list[Any] = [
    "\u0000",
    10**40,
    1.5,
    True,
    None,
    [],
    {"a": 1},
    "2026-02-30T00:00:00Z",
    "\u00b2",
    "x" * 300,
]


def _cursor(values: list[Any], ordering: str = ORDERING) -> str:
    raw = json.dumps({"o": ordering, "v": values}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize("path", ["/api/v1/reports", "/api/v1/videos"])
def test_forged_truncated_and_huge_cursors_are_coded_400(alice, path):
    assert alice.client.get(path, {"cursor": _cursor([NOW, UUID])}).status_code == 200
    cases = [_cursor([value, UUID]) for value in HOSTILE]
    cases += [_cursor([NOW, value]) for value in HOSTILE]
    cases += [
        _cursor([NOW]),
        _cursor([NOW, UUID, UUID]),
        _cursor([NOW, UUID], ordering="created_at,pk"),
        _cursor([NOW, UUID])[:-4],
        _cursor([NOW, UUID]) + "!",
        "A" * 5000,
        "\u00b2",
        "e30",
    ]
    for cursor in cases:
        response = alice.client.get(path, {"cursor": cursor})
        assert response.status_code == 400, (cursor, response.content)
        assert error_code(response) == "invalid_cursor"


def test_another_persons_cursor_shows_only_the_callers_jobs(alice, bob):
    """A keyset cursor is a position (values its holder saw), not a grant."""
    body = {"scope": "me", "from": "2023-01-01", "to": "2023-01-28"}
    alices = alice.client.post("/api/v1/reports", body, format="json").json()["id"]
    for month in ("01", "02", "03"):
        body = {"scope": "me", "from": f"2024-{month}-01", "to": f"2024-{month}-28"}
        assert bob.client.post("/api/v1/reports", body, format="json").status_code == 202
    bobs = bob.client.get("/api/v1/reports", {"limit": 1}).json()
    mine = alice.client.get("/api/v1/reports", {"cursor": bobs["next"]})
    assert mine.status_code == 200
    bob_ids = {job["id"] for job in bob.client.get("/api/v1/reports").json()["results"]}
    assert [job["id"] for job in mine.json()["results"]] == [alices]
    assert not bob_ids & {alices}
