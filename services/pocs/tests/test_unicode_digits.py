"""Numbers, dates and ids are read in ASCII digits only: any other digit is a coded 400.

``int()`` and ``\\d`` accept every Unicode decimal digit ("٣" is 3) and
``isdigit()`` says yes to "²", which ``int()`` refuses: such input used to be
converted silently (a limit of 3, a date in 2025) or to fail later as a 500.
"""

from __future__ import annotations

import pytest

from .conftest import error_code
from .test_internal_api import pocs_url, service

pytestmark = pytest.mark.django_db

ARABIC_INDIC_2025 = "\u0662\u0660\u0662\u0665"  # ٢٠٢٥
FULL_WIDTH_2025 = "\uff12\uff10\uff12\uff15"  # 2025 in full-width digits
ARABIC_INDIC_3 = "\u0663"
SUPERSCRIPT_2 = "\u00b2"
DIGITS = [ARABIC_INDIC_3, SUPERSCRIPT_2, "\uff13", "1" + SUPERSCRIPT_2]
DATES = [f"{ARABIC_INDIC_2025}-01-01", f"{FULL_WIDTH_2025}-01-01", f"2025-0{SUPERSCRIPT_2}-01"]
ID = "0000000\u0663-0000-4000-8000-000000000001"  # a UUID with one Arabic-Indic digit


@pytest.mark.parametrize("value", DIGITS)
def test_limits_in_other_digits_are_refused_on_lists_and_search(alice, value):
    for path in ("/api/v1/pocs", "/api/v1/tags", "/api/v1/search/pocs"):
        response = alice.client.get(path, {"limit": value})
        assert response.status_code == 400, (path, response.content)
        assert error_code(response) == "invalid_limit"


@pytest.mark.parametrize("value", DATES)
def test_dates_in_other_digits_are_refused_as_filters(alice, value):
    for path, name in (
        ("/api/v1/pocs", "created_from"),
        ("/api/v1/pocs", "created_to"),
        ("/api/v1/search/pocs", "from"),
        ("/api/v1/search/pocs", "to"),
    ):
        response = alice.client.get(path, {name: value})
        assert response.status_code == 400, (path, name, response.content)
        assert error_code(response) == "invalid_filter"
        assert name in response.json()["error"]["fields"]
    internal = service("media").get(pocs_url(alice), {"from": value})
    assert internal.status_code == 400 and error_code(internal) == "invalid_filter"


def test_ids_in_other_digits_are_refused(alice):
    for path in ("/api/v1/pocs", "/api/v1/search/pocs"):
        response = alice.client.get(path, {"author": ID})
        assert response.status_code == 400 and error_code(response) == "invalid_filter"
    internal = service("media").get(pocs_url(alice), {"viewer": ID})
    assert internal.status_code == 400 and error_code(internal) == "invalid_filter"


@pytest.mark.parametrize("value", DATES)
def test_a_poc_dated_in_other_digits_is_a_validation_error(alice, value):
    response = alice.client.post(
        "/api/v1/pocs", {"name": "Datas", "started_on": value}, format="json"
    )
    assert response.status_code == 400 and error_code(response) == "validation_error"
    assert "started_on" in response.json()["error"]["fields"]
    contributors = alice.client.post(
        "/api/v1/pocs", {"name": "Ids", "contributors": [ID]}, format="json"
    )
    assert contributors.status_code == 400 and error_code(contributors) == "validation_error"


@pytest.mark.parametrize("value", DIGITS)
def test_an_attachment_size_in_other_digits_is_a_validation_error(alice, create_poc, value):
    poc = create_poc(alice)
    response = alice.client.post(
        f"/api/v1/pocs/{poc['id']}/attachments",
        {"filename": "a.txt", "content_type": "text/plain", "size": value},
        format="json",
    )
    assert response.status_code == 400 and error_code(response) == "validation_error"
    assert "size" in response.json()["error"]["fields"]
