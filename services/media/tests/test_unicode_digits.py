"""Years, dates and ids are read in ASCII digits only: any other digit is a coded 400.

DRF reads "٣٠٢٥" as the year 3025 and a date in full-width digits as a date
(``int()`` and ``\\d`` accept every Unicode decimal digit); "²" passes
``isdigit()`` and then fails ``int()``. None of it is a number here.
"""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from jobs.models import Job

from .conftest import error_code

pytestmark = pytest.mark.django_db(transaction=False)

ARABIC_INDIC_2025 = "\u0662\u0660\u0662\u0665"
FULL_WIDTH_2025 = "\uff12\uff10\uff12\uff15"
SUPERSCRIPT_2 = "\u00b2"
REPORT = {"scope": "me", "from": "2025-01-01", "to": "2025-01-31", "language": "en"}


def _fields(response) -> dict:
    return response.json()["error"].get("fields", {})


@pytest.mark.parametrize(
    "year", [ARABIC_INDIC_2025, FULL_WIDTH_2025, f"202{SUPERSCRIPT_2}", SUPERSCRIPT_2]
)
def test_a_video_year_in_other_digits_is_a_validation_error(alice, org, year):
    response = alice.client.post("/api/v1/videos", {"year": year}, format="json")
    assert response.status_code == 400, response.content
    assert error_code(response) == "validation_error" and "year" in _fields(response)
    with tenant_context(org):
        assert not Job.objects.exists()


@pytest.mark.parametrize(
    "day",
    [f"{ARABIC_INDIC_2025}-01-01", f"{FULL_WIDTH_2025}-01-01", f"2025-0{SUPERSCRIPT_2}-01"],
)
def test_report_dates_in_other_digits_are_a_validation_error(alice, org, day):
    for name in ("from", "to"):
        response = alice.client.post("/api/v1/reports", {**REPORT, name: day}, format="json")
        assert response.status_code == 400, response.content
        assert error_code(response) == "validation_error" and name in _fields(response)
    with tenant_context(org):
        assert not Job.objects.exists()


def test_excluded_poc_ids_in_other_digits_are_a_validation_error(alice, org):
    poc_id = "0000000\u0663-0000-4000-8000-000000000001"
    response = alice.client.post(
        "/api/v1/videos", {"year": 2025, "exclude": [poc_id]}, format="json"
    )
    assert response.status_code == 400 and error_code(response) == "validation_error"
    assert "exclude.0" in _fields(response)


@pytest.mark.parametrize("limit", ["\u0663", SUPERSCRIPT_2, "\uff13"])
def test_list_limits_in_other_digits_are_refused(alice, limit):
    for path in ("/api/v1/reports", "/api/v1/videos"):
        response = alice.client.get(path, {"limit": limit})
        assert response.status_code == 400 and error_code(response) == "invalid_limit"
