"""Vocabulary aliases, unknown-language suggestions, tag normalization and bad input."""

from __future__ import annotations

import pytest

from registry.models import Poc
from registry.normalize import tag_slug
from vocabulary.catalog import UnknownTechnologyError, catalog

from .conftest import error_code

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("js", "javascript"),
        ("node", "nodejs"),
        ("NodeJS", "nodejs"),
        ("node.js", "nodejs"),
        ("py", "python"),
        ("ts", "typescript"),
        ("golang", "go"),
        ("c#", "csharp"),
        ("CSharp", "csharp"),
        ("k8s", "kubernetes"),
        ("Spring Boot", "spring-boot"),
        ("  react   native ", "react-native"),
        ("C++", "cpp"),
    ],
)
def test_aliases_resolve_case_space_and_punctuation_insensitively(typed, slug):
    assert catalog().resolve(typed).slug == slug


def test_the_vocabulary_has_about_eighty_real_entries_of_three_kinds():
    entries = catalog().entries.values()
    assert len(entries) >= 80
    assert {e.kind for e in entries} == {"language", "framework", "platform"}


def test_an_unknown_language_gets_up_to_three_suggestions():
    with pytest.raises(UnknownTechnologyError) as caught:
        catalog().resolve("Pyhton")
    assert caught.value.suggestions[0] == "Python"
    assert len(caught.value.suggestions) <= 3


def test_unknown_languages_are_refused_with_suggestions_per_position(alice):
    response = alice.client.post(
        "/api/v1/pocs", {"name": "x", "languages": ["python", "Javascrpit", "zzqx"]}, format="json"
    )
    assert response.status_code == 400 and error_code(response) == "validation_error"
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"languages.1", "languages.2"}
    assert fields["languages.1"][0]["code"] == "unknown_language"
    assert fields["languages.1"][0]["suggestions"][0] == "JavaScript"
    assert fields["languages.2"][0]["suggestions"] == []
    with alice.data():
        assert not Poc.objects.exists()


@pytest.mark.parametrize(
    ("raw", "slug"),
    [
        ("Autenticação", "autenticacao"),
        ("  Machine   Learning ", "machine-learning"),
        ("API_Gateway", "api-gateway"),
        ("--edge--case--", "edge-case"),
        ("C#", "c#"),
        ("Node.js", "node.js"),
        ("São Paulo!", "sao-paulo"),
    ],
)
def test_tags_are_lower_case_without_accents_with_single_hyphens(raw, slug):
    assert tag_slug(raw) == slug


def test_a_tag_without_letters_or_digits_is_refused(alice):
    response = alice.client.post(
        "/api/v1/pocs", {"name": "x", "tags": ["ok", "!!!"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["tags.1"][0]["code"] == "invalid_tag"


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://github.com/acme/x", "github"),
        ("https://www.github.com/acme/x", "github"),
        ("https://gitlab.com/acme/x", "gitlab"),
        ("https://gitlab.acme.com.br/time/x", "gitlab"),
        ("https://bitbucket.org/acme/x", "bitbucket"),
        ("https://git.sr.ht/~acme/x", "other"),
    ],
)
def test_repository_hosts_are_recognized(alice, create_poc, url, host):
    assert create_poc(alice, repository_url=url)["repository_host"] == host


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"repository_url": "http://github.com/acme/x"}, "repository_url", "https_required"),
        ({"links": [{"title": "a", "url": "http://example.com"}]}, "links.0.url", "https_required"),
        ({"links": [{"title": "a", "url": "https://e.com"}] * 21}, "links", "max_length"),
        ({"contributors": ["not-a-uuid"]}, "contributors.0", "invalid"),
        (
            {"started_on": "2025-05-10", "finished_on": "2025-05-01"},
            "finished_on",
            "finished_before_started",
        ),
        ({"status": "shipped"}, "status", "invalid_choice"),
        ({"outcome": "great"}, "outcome", "invalid_choice"),
        ({"languages": "python"}, "languages", "not_a_list"),
        ({"name": ""}, "name", "blank"),
        ({"name": 42, "tags": [{"a": 1}]}, "tags.0", "invalid"),
        ({"visibility": "public"}, "visibility", "invalid_choice"),
    ],
)
def test_bad_fields_get_coded_errors(alice, body, field, code):
    response = alice.client.post("/api/v1/pocs", {"name": "ok", **body}, format="json")
    assert response.status_code == 400, response.content
    assert error_code(response) == "validation_error"
    assert code in [e["code"] for e in response.json()["error"]["fields"][field]]


@pytest.mark.parametrize("link", [{"title": "Spec"}, {}], ids=["title-only", "empty"])
def test_a_link_without_its_url_is_refused_on_create_and_on_change(alice, create_poc, link):
    created = alice.client.post("/api/v1/pocs", {"name": "ok", "links": [link]}, format="json")
    assert created.status_code == 400, created.content
    assert "required" in [e["code"] for e in created.json()["error"]["fields"]["links.0.url"]]

    spec = [{"title": "Spec", "url": "https://example.com/spec"}]
    poc = create_poc(alice, links=spec)
    changed = alice.client.patch(
        f"/api/v1/pocs/{poc['id']}", {"summary": "new", "links": [*spec, link]}, format="json"
    )
    assert changed.status_code == 400, changed.content
    assert "required" in [e["code"] for e in changed.json()["error"]["fields"]["links.1.url"]]
    stored = alice.client.get(f"/api/v1/pocs/{poc['id']}").json()
    assert stored["links"] == spec and stored["summary"] == poc["summary"]


def test_finished_before_started_is_checked_against_stored_dates_on_patch(alice, create_poc):
    poc = create_poc(alice, started_on="2025-05-10")
    response = alice.client.patch(
        f"/api/v1/pocs/{poc['id']}", {"finished_on": "2025-05-01"}, format="json"
    )
    assert response.status_code == 400
    assert "finished_on" in response.json()["error"]["fields"]


def test_malformed_json_is_a_coded_400(alice):
    response = alice.client.post(
        "/api/v1/pocs", data='{"name": "x",', content_type="application/json"
    )
    assert response.status_code == 400 and error_code(response) == "malformed_json"


def test_a_json_array_body_is_refused(alice):
    response = alice.client.post("/api/v1/pocs", data="[1, 2]", content_type="application/json")
    assert response.status_code == 400 and error_code(response) == "validation_error"


def test_an_oversized_body_is_a_coded_413(alice):
    body = '{"name": "x", "description": "' + "a" * (300 * 1024) + '"}'
    response = alice.client.post("/api/v1/pocs", data=body, content_type="application/json")
    assert response.status_code == 413 and error_code(response) == "payload_too_large"


def test_form_bodies_are_not_accepted(alice):
    response = alice.client.post("/api/v1/pocs", {"name": "x"})
    assert response.status_code == 415 and error_code(response) == "unsupported_media_type"


def test_pt_br_messages_follow_accept_language(alice):
    response = alice.client.get(
        "/api/v1/pocs/00000000-0000-0000-0000-000000000000", HTTP_ACCEPT_LANGUAGE="pt-BR"
    )
    assert response.json()["error"]["message"] == "Este POC não existe."
