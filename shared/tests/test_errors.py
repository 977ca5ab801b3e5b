"""The error contract, through the real request stack (middleware, DRF, Django handlers)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import translation
from pytest_django.fixtures import Settings as SettingsWrapper
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from pocdex_shared.errors import (
    ApiError,
    JsonErrorMiddleware,
    exception_handler,
    field_error,
    forbidden,
    handler400,
    not_found,
    validation_fields,
)
from tests._b_views import RaiseView

JSON_ERRORS = "pocdex_shared.errors.JsonErrorMiddleware"
LOCALE = "django.middleware.locale.LocaleMiddleware"


@pytest.fixture
def locale_middleware(settings: SettingsWrapper) -> Iterator[None]:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, LOCALE]
    yield
    # LocaleMiddleware leaves the request's language active on the thread.
    translation.deactivate()


@pytest.fixture
def json_errors(settings: SettingsWrapper) -> None:
    """The middleware where services install it: right after the request context."""
    middleware = [m for m in settings.MIDDLEWARE if m != JSON_ERRORS]
    settings.MIDDLEWARE = [middleware[0], JSON_ERRORS, *middleware[1:]]


def error_of(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == {"error"}, body
    return dict(body["error"])


def valid_signup(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Ana",
        "address": {"city": "Recife", "postal_code": "50000-000"},
        "contacts": [{"email": "ana@example.com"}],
        "tags": ["py"],
        **overrides,
    }


# ------------------------------------------------------------------ validation


def test_valid_input_passes_through_untouched(client: Client) -> None:
    response = client.post("/_b/echo", valid_signup(), content_type="application/json")

    assert response.status_code == 201
    assert response.json()["name"] == "Ana"


def test_nested_validation_errors_are_flattened_to_dotted_paths(client: Client) -> None:
    body = valid_signup(
        name="x" * 40,
        address={"city": "Recife", "postal_code": "123"},
        contacts=[{"email": "ok@example.com"}, {"email": "not-an-email"}],
        tags=["py", "toolong"],
    )

    response = client.post("/_b/echo", body, content_type="application/json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert error["message"] == "The request contains invalid data."
    codes = {name: [item["code"] for item in items] for name, items in error["fields"].items()}
    assert codes == {
        "name": ["max_length"],
        "address.postal_code": ["invalid"],
        "contacts.1.email": ["invalid"],
        "tags.1": ["max_length"],
    }
    assert error["fields"]["contacts.1.email"][0]["message"] == "Enter a valid email address."


def test_missing_fields_are_reported_as_required(client: Client) -> None:
    response = client.post("/_b/echo", {}, content_type="application/json")

    fields = error_of(response)["fields"]
    assert {name: items[0]["code"] for name, items in fields.items()} == {
        "name": "required",
        "address": "required",
        "contacts": "required",
        "tags": "required",
    }


def test_object_level_errors_are_reported_under_non_field_errors(client: Client) -> None:
    response = client.post("/_b/echo", valid_signup(name="taken"), content_type="application/json")

    assert error_of(response)["fields"] == {
        "non_field_errors": [{"code": "name_taken", "message": "That name is taken."}]
    }


def test_a_bare_validation_error_lands_in_non_field_errors() -> None:
    detail = serializers.ValidationError("Pick one.", code="pick_one").detail

    assert validation_fields(detail) == {
        "non_field_errors": [{"code": "pick_one", "message": "Pick one."}]
    }


# ------------------------------------------------------------------ bodies


def test_malformed_json_is_a_400_malformed_json(client: Client) -> None:
    response = client.post("/_b/echo", b'{"name": ', content_type="application/json")

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "malformed_json",
        "message": "The request body is not valid JSON.",
    }


def test_body_with_invalid_utf8_is_a_400_malformed_json(client: Client) -> None:
    response = client.post("/_b/echo", b'{"name": "\xff\xfe"}', content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


def test_unsupported_content_type_is_a_415(client: Client) -> None:
    response = client.post("/_b/echo", "name=Ana", content_type="text/plain")

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


@pytest.mark.parametrize("with_middleware", [True, False], ids=["middleware", "drf-alone"])
def test_oversized_json_post_to_a_drf_view_is_413(
    client: Client, settings: SettingsWrapper, request: pytest.FixtureRequest, with_middleware: bool
) -> None:
    if with_middleware:
        request.getfixturevalue("json_errors")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = valid_signup(name="Ana", tags=["x"] * 2000)

    response = client.post("/_b/echo", body, content_type="application/json")

    assert response.status_code == 413
    assert error_of(response) == {
        "code": "payload_too_large",
        "message": "The request body is too large.",
    }


def test_oversized_body_read_by_a_drf_view_is_413_even_without_the_middleware(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = client.post("/_b/body-length", b"x" * 5000, content_type="application/octet-stream")

    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


@pytest.mark.usefixtures("json_errors")
def test_file_uploads_larger_than_the_body_limit_are_not_refused(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    upload = SimpleUploadedFile("poc.zip", b"z" * 5000, content_type="application/zip")

    response = client.post("/_b/upload", {"file": upload})

    assert response.status_code == 200
    assert response.json() == {"size": 5000}


@pytest.mark.usefixtures("json_errors")
def test_body_at_the_limit_is_accepted(client: Client, settings: SettingsWrapper) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = client.post("/_b/plain/body", b"x" * 1024, content_type="application/octet-stream")

    assert response.status_code == 200
    assert response.json() == {"length": 1024}


# ------------------------------------------------------------------ auth


def test_missing_credentials_are_401_not_authenticated_with_a_bearer_challenge(
    client: Client,
) -> None:
    response = client.get("/_b/private")

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="tests"'


def test_expired_token_is_401_with_its_own_code(client: Client) -> None:
    response = client.get("/_b/expired")

    assert response.status_code == 401
    assert error_of(response) == {"code": "token_expired", "message": "The token has expired."}
    assert response["WWW-Authenticate"] == 'Bearer realm="tests", error="invalid_token"'


def test_authentication_failure_without_a_code_is_invalid_token(client: Client) -> None:
    response = client.get("/_b/raise/auth-failed")

    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_token"
    assert response["WWW-Authenticate"].startswith("Bearer")


# ------------------------------------------------------------------ other DRF errors


@pytest.mark.parametrize(
    ("kind", "status", "code", "message"),
    [
        (
            "permission",
            403,
            "permission_denied",
            "You do not have permission to perform this action.",
        ),
        ("permission-coded", 403, "tenant_suspended", "This organization is suspended."),
        ("django-permission", 403, "permission_denied", None),
        ("not-found", 404, "not_found", "Not found."),
        ("http404", 404, "not_found", "Not found."),
        ("api-error", 404, "poc_not_found", "This POC does not exist."),
        ("conflict", 409, "poc_name_taken", "Name taken."),
        ("too-big", 413, "payload_too_large", None),
        ("teapot", 418, "teapot", "I am a teapot."),
    ],
)
def test_exceptions_map_to_their_status_and_code(
    client: Client, kind: str, status: int, code: str, message: str | None
) -> None:
    response = client.get(f"/_b/raise/{kind}")

    assert response.status_code == status
    error = error_of(response)
    assert error["code"] == code
    if message is not None:
        assert error["message"] == message
    assert "fields" not in error


def test_throttled_requests_say_when_to_retry(client: Client) -> None:
    response = client.get("/_b/raise/throttled")

    assert response.status_code == 429
    assert response["Retry-After"] == "13"
    assert error_of(response) == {
        "code": "throttled",
        "message": "Too many requests. Try again later.",
        "retry_after": 13,
    }


def test_wrong_method_is_405_with_allowed_methods(client: Client) -> None:
    response = client.put("/_b/echo", {}, content_type="application/json")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "POST" in response["Allow"]


def test_unexpected_exception_is_a_generic_500_that_leaks_nothing_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Like Django for plain views, the handler signals the exception, which
    # the test client would re-raise: ask it for the response instead.
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="pocdex_shared.errors"):
        response = client.get("/_b/raise/bug")

    assert response.status_code == 500
    assert error_of(response) == {
        "code": "internal_error",
        "message": "Something went wrong on our side. Please try again.",
    }
    assert b"hunter2" not in response.content
    records = [r for r in caplog.records if r.name == "pocdex_shared.errors"]
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert "hunter2" in str(records[0].exc_info[1])


def test_drf_handler_answers_without_any_middleware() -> None:
    request = APIRequestFactory().get("/_b/raise/not-found")

    response = RaiseView.as_view()(request, kind="not-found")

    assert response.status_code == 404
    assert response.data == {"error": {"code": "not_found", "message": "Not found."}}


# ------------------------------------------------------------------ outside DRF


@pytest.mark.usefixtures("json_errors")
def test_plain_view_with_malformed_json_is_400_malformed_json(client: Client) -> None:
    response = client.post("/_b/plain/json", b"{nope", content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


@pytest.mark.usefixtures("json_errors")
def test_plain_view_with_invalid_utf8_is_400_malformed_json(client: Client) -> None:
    response = client.post("/_b/plain/json", b'"\xff\xfe\xfd"', content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


@pytest.mark.usefixtures("json_errors")
def test_oversized_body_to_a_plain_view_is_413(client: Client, settings: SettingsWrapper) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = client.post("/_b/plain/body", b"x" * 5000, content_type="application/octet-stream")

    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


@pytest.mark.usefixtures("json_errors")
def test_oversized_body_is_refused_before_the_view_runs(
    client: Client, settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    with caplog.at_level(logging.INFO, logger="tests.b.views"):
        response = client.post("/_b/plain/logs", b"x" * 5000, content_type="application/json")

    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    assert [r for r in caplog.records if r.name == "tests.b.views"] == []


@pytest.mark.usefixtures("json_errors")
def test_api_error_raised_in_a_plain_view_keeps_its_code(client: Client) -> None:
    response = client.get("/_b/plain/api-error")

    assert response.status_code == 404
    assert error_of(response) == {"code": "thing_not_found", "message": "No such thing."}


@pytest.mark.usefixtures("json_errors")
def test_suspicious_operation_is_a_coded_400(client: Client) -> None:
    response = client.get("/_b/plain/suspicious")

    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"
    assert b"passwd" not in response.content


def test_suspicious_operation_without_the_middleware_reaches_handler400_as_json(
    client: Client,
) -> None:
    response = client.get("/_b/plain/suspicious")

    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_request_data_too_big_raised_lazily_reaches_handler400_as_413() -> None:
    request = RequestFactory().post("/_b/plain/body", b"x", content_type="application/json")

    response = handler400(request, RequestDataTooBig("lazy"))

    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


def test_middleware_leaves_server_errors_to_django() -> None:
    middleware = JsonErrorMiddleware(lambda request: HttpResponse())

    assert middleware.process_exception(RequestFactory().get("/"), RuntimeError("bug")) is None


def test_bug_in_a_plain_view_is_a_generic_json_500(settings: SettingsWrapper) -> None:
    response = Client(raise_request_exception=False).get("/_b/plain/bug")

    assert response.status_code == 500
    assert error_of(response)["code"] == "internal_error"
    assert b"hunter2" not in response.content


def test_unknown_url_is_a_json_404(client: Client) -> None:
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "Not found."}


def test_browsers_on_html_pages_keep_an_html_404(client: Client) -> None:
    response = client.get("/owner/nothing-here", HTTP_ACCEPT="text/html,application/xhtml+xml")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# ------------------------------------------------------------------ language


@pytest.mark.usefixtures("locale_middleware")
def test_messages_follow_the_request_language(client: Client) -> None:
    response = client.post(
        "/_b/echo", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="pt-BR"
    )

    error = error_of(response)
    assert error["code"] == "validation_error"
    assert error["message"] == "A requisição contém dados inválidos."
    assert error["fields"]["name"][0] == {
        "code": "required",
        "message": "Este campo é obrigatório.",
    }


@pytest.mark.usefixtures("locale_middleware")
def test_token_errors_are_translated_too(client: Client) -> None:
    response = client.get("/_b/expired", HTTP_ACCEPT_LANGUAGE="pt-BR")

    assert error_of(response) == {"code": "token_expired", "message": "O token expirou."}


def test_english_stays_english_without_a_language_preference(client: Client) -> None:
    response = client.get("/_b/raise/not-found")

    assert error_of(response)["message"] == "Not found."


def test_an_api_error_built_before_the_request_renders_in_the_request_language() -> None:
    error = forbidden()

    with translation.override("pt-br"):
        body = error.as_dict()

    assert body == {
        "error": {
            "code": "permission_denied",
            "message": "Você não tem permissão para realizar esta ação.",
        }
    }


# ------------------------------------------------------------------ ApiError


def test_api_error_carries_fields_and_headers_into_the_response() -> None:
    error = ApiError(
        "poc_invalid",
        "The POC is invalid.",
        status=422,
        fields={"repository_url": [field_error("unreachable", "Cannot reach the repository.")]},
        headers={"X-Hint": "check-url"},
    )

    response = exception_handler(error, {})

    assert response.status_code == 422
    assert response["X-Hint"] == "check-url"
    assert response.data == {
        "error": {
            "code": "poc_invalid",
            "message": "The POC is invalid.",
            "fields": {
                "repository_url": [
                    {"code": "unreachable", "message": "Cannot reach the repository."}
                ]
            },
        }
    }


def test_not_found_helper_defaults_to_the_generic_code() -> None:
    error = not_found()

    assert (error.status_code, error.code, str(error.message)) == (404, "not_found", "Not found.")


def test_every_shared_message_has_a_portuguese_translation() -> None:
    from pocdex_shared import errors, pagination
    from pocdex_shared import jwt as tokens

    messages = [
        *errors.MESSAGES.values(),
        *tokens.MESSAGES.values(),
        tokens.jwks_unavailable().message,
        pagination.invalid_cursor().message,
    ]

    def rendered(language: str) -> list[str]:
        with translation.override(language):
            return [str(message) for message in messages]

    english, portuguese = rendered("en"), rendered("pt-br")
    assert [en for en, pt in zip(english, portuguese, strict=True) if en == pt] == []
