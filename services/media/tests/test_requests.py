"""Requesting jobs: idempotency, permissions, bad input with stable codes, the empty year."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from .conftest import error_code
from .upstream import closed_port_url

pytestmark = pytest.mark.django_db(transaction=False)

REPORT = {"scope": "me", "from": "2025-01-01", "to": "2025-06-30", "language": "en"}


def _fields(response) -> dict:
    return response.json()["error"].get("fields", {})


def test_the_same_report_request_returns_the_same_job(alice, bob):
    first = alice.client.post("/api/v1/reports", REPORT, format="json")
    again = alice.client.post(
        "/api/v1/reports", {**REPORT, "language": "EN", "formats": ["csv", "pdf"]}, format="json"
    )
    assert first.status_code == 202 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    other_period = alice.client.post(
        "/api/v1/reports", {**REPORT, "to": "2025-06-29"}, format="json"
    )
    other_person = bob.client.post("/api/v1/reports", REPORT, format="json")
    assert other_period.status_code == other_person.status_code == 202
    assert len({first.json()["id"], other_period.json()["id"], other_person.json()["id"]}) == 3
    listed = alice.client.get("/api/v1/reports").json()
    assert [job["id"] for job in listed["results"]] == [
        other_period.json()["id"],
        first.json()["id"],
    ]
    assert listed["next"] is None


def test_the_same_video_request_returns_the_same_job(alice, add_poc):
    add_poc(alice)
    first = alice.client.post("/api/v1/videos", {"year": 2025}, format="json")
    again = alice.client.post(
        "/api/v1/videos", {"year": 2025, "format": "vertical", "scope": "me"}, format="json"
    )
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json()["id"] == again.json()["id"]
    square = alice.client.post("/api/v1/videos", {"year": 2025, "format": "square"}, format="json")
    assert square.status_code == 202 and square.json()["id"] != first.json()["id"]


def test_bad_report_parameters_get_coded_errors(alice):
    cases = [
        ({**REPORT, "from": "2025-07-01"}, "invalid_range", "from"),
        ({**REPORT, "from": "2023-01-01", "to": "2025-01-01"}, "range_too_wide", "to"),
        (
            {
                **REPORT,
                "from": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
                "to": (dt.date.today() + dt.timedelta(days=5)).isoformat(),
            },
            "range_in_future",
            "from",
        ),
    ]
    for body, code, field in cases:
        response = alice.client.post("/api/v1/reports", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert error_code(response) == code and _fields(response)[field][0]["code"] == code
    for body, field in (
        ({**REPORT, "formats": ["docx"]}, "formats.0"),
        ({**REPORT, "language": "fr"}, "language"),
        ({**REPORT, "from": "yesterday"}, "from"),
        ({key: value for key, value in REPORT.items() if key != "to"}, "to"),
    ):
        response = alice.client.post("/api/v1/reports", body, format="json")
        assert response.status_code == 400 and error_code(response) == "validation_error", (
            response.content
        )
        assert field in _fields(response), (field, _fields(response))


def test_bad_video_parameters_get_coded_errors(alice, add_poc):
    add_poc(alice)
    future = alice.client.post("/api/v1/videos", {"year": dt.date.today().year + 1}, format="json")
    assert future.status_code == 400 and error_code(future) == "year_in_future"
    assert _fields(future)["year"][0]["code"] == "year_in_future"
    bad_format = alice.client.post(
        "/api/v1/videos", {"year": 2025, "format": "landscape"}, format="json"
    )
    assert (
        bad_format.status_code == 400
        and _fields(bad_format)["format"][0]["code"] == "invalid_choice"
    )
    bad_language = alice.client.post(
        "/api/v1/videos", {"year": 2025, "language": "de"}, format="json"
    )
    assert (
        bad_language.status_code == 400
        and _fields(bad_language)["language"][0]["code"] == "invalid_choice"
    )
    stranger = str(uuid.uuid4())
    unknown = alice.client.post(
        "/api/v1/videos", {"year": 2025, "exclude": [stranger]}, format="json"
    )
    assert unknown.status_code == 400 and error_code(unknown) == "unknown_pocs"
    assert _fields(unknown)["exclude"][0]["ids"] == [stranger]


def test_a_year_without_pocs_is_answered_with_nothing_to_render(alice, bob, add_poc):
    add_poc(bob, day=dt.date(2024, 5, 1))  # someone else's POC does not count for alice's video
    empty = alice.client.post("/api/v1/videos", {"year": 2024, "language": "pt-br"}, format="json")
    assert empty.status_code == 422 and error_code(empty) == "nothing_to_render"
    assert "2024" in empty.json()["error"]["message"]
    only = add_poc(alice, day=dt.date(2024, 8, 1))
    all_left_out = alice.client.post(
        "/api/v1/videos", {"year": 2024, "exclude": [only["id"]]}, format="json"
    )
    assert all_left_out.status_code == 422 and error_code(all_left_out) == "nothing_to_render"


def test_organization_scope_is_for_owners_and_admins(alice, owner, admin, add_poc):
    add_poc(alice)
    for path, body in (
        ("/api/v1/reports", {**REPORT, "scope": "organization"}),
        ("/api/v1/videos", {"year": 2025, "scope": "organization"}),
    ):
        refused = alice.client.post(path, body, format="json")
        assert refused.status_code == 403 and error_code(refused) == "scope_forbidden"
        assert owner.client.post(path, body, format="json").status_code == 202
    assert (
        admin.client.post(
            "/api/v1/reports", {**REPORT, "scope": "organization"}, format="json"
        ).status_code
        == 202
    )


def test_pocs_unavailable_at_request_time_is_a_503_with_a_code(alice, settings):
    settings.POCS_URL = closed_port_url()  # nothing listens there: connection refused
    response = alice.client.post("/api/v1/videos", {"year": 2025}, format="json")
    assert response.status_code == 503 and error_code(response) == "source_unavailable"
    assert response["Retry-After"] == "10"


def test_members_see_only_their_own_jobs(alice, bob):
    job = alice.client.post("/api/v1/reports", REPORT, format="json").json()
    assert bob.client.get(f"/api/v1/reports/{job['id']}").status_code == 404
    assert bob.client.get("/api/v1/reports").json()["results"] == []
    # A report id is not a video id either.
    assert alice.client.get(f"/api/v1/videos/{job['id']}").status_code == 404


def test_requests_without_a_token_are_refused(client):
    assert client.get("/api/v1/reports").status_code == 401
    assert (
        client.post("/api/v1/videos", {"year": 2025}, content_type="application/json").status_code
        == 401
    )


def test_portuguese_error_messages(alice):
    response = alice.client.post(
        "/api/v1/reports",
        {**REPORT, "from": "2025-07-01"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="pt-BR",
    )
    assert error_code(response) == "invalid_range"
    assert (
        response.json()["error"]["message"] == "A data inicial não pode ser posterior à data final."
    )


def test_one_person_has_a_bounded_number_of_jobs_waiting(alice, bob, org, settings):
    from django_tenants.utils import tenant_context

    from jobs.models import Job, JobStatus

    settings.MEDIA_MAX_ACTIVE_JOBS = 2
    periods = [
        ("2025-01-01", "2025-01-31"),
        ("2025-02-01", "2025-02-28"),
        ("2025-03-01", "2025-03-31"),
    ]
    first, second, third = (
        alice.client.post("/api/v1/reports", {**REPORT, "from": a, "to": b}, format="json")
        for a, b in periods
    )
    assert first.status_code == second.status_code == 202
    assert third.status_code == 429 and error_code(third) == "too_many_jobs"
    assert third["Retry-After"] == "30" and third.json()["error"]["limit"] == 2
    # Asking again for a job under way is still answered; other people are not affected.
    again = alice.client.post(
        "/api/v1/reports", {**REPORT, "from": periods[0][0], "to": periods[0][1]}, format="json"
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert bob.client.post("/api/v1/reports", REPORT, format="json").status_code == 202
    with tenant_context(org):
        assert Job.objects.filter(requested_by=alice.id).count() == 2
        Job.objects.filter(id=first.json()["id"]).update(status=JobStatus.SUCCEEDED)
    # Once one is done, there is room again.
    retried = alice.client.post(
        "/api/v1/reports", {**REPORT, "from": periods[2][0], "to": periods[2][1]}, format="json"
    )
    assert retried.status_code == 202


def test_the_limit_is_explained_in_portuguese(alice, settings):
    settings.MEDIA_MAX_ACTIVE_JOBS = 1
    alice.client.post("/api/v1/reports", REPORT, format="json")
    response = alice.client.post(
        "/api/v1/reports",
        {**REPORT, "to": "2025-05-31"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="pt-BR",
    )
    assert response.status_code == 429
    assert response.json()["error"]["message"] == (
        "Você já tem o máximo permitido de relatórios e vídeos em andamento (1). "
        "Peça outro quando um deles ficar pronto."
    )
