"""Hostile JSON bodies (deep nesting, numbers out of range) are coded 400s, never 500s.

The DRF views here use the parser every service configures
(``service_settings.rest_framework``), through the real middleware and handlers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpRequest, JsonResponse
from django.test import Client
from django.urls import path
from django.utils.module_loading import import_string
from pytest_django.fixtures import Settings as SettingsWrapper
from rest_framework.request import Request
from rest_framework.response import Response

from pocdex_shared import parsers
from pocdex_shared.service_settings import rest_framework
from tests._b_views import EchoView, OpenView

JSON_ERRORS = "pocdex_shared.errors.JsonErrorMiddleware"
CONFIGURED_PARSERS = [import_string(name) for name in rest_framework()["DEFAULT_PARSER_CLASSES"]]


class ConfiguredEchoView(EchoView):
    parser_classes = CONFIGURED_PARSERS


class ConfiguredDataView(OpenView):
    parser_classes = CONFIGURED_PARSERS

    def post(self, request: Request) -> Response:
        return Response({"data": request.data})


def plain_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"data": parsers.loads(request.body)})


handler400 = "pocdex_shared.errors.handler400"
handler404 = "pocdex_shared.errors.handler404"
handler500 = "pocdex_shared.errors.handler500"
urlpatterns = [
    path("echo", ConfiguredEchoView.as_view()),
    path("data", ConfiguredDataView.as_view()),
    path("plain", plain_view),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def json_errors(settings: SettingsWrapper) -> None:
    """The middleware where services install it: right after the request context."""
    middleware = [m for m in settings.MIDDLEWARE if m != JSON_ERRORS]
    settings.MIDDLEWARE = [middleware[0], JSON_ERRORS, *middleware[1:]]


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def nested_objects(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def error_of(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == {"error"}, body
    return dict(body["error"])


def test_every_service_parses_json_with_the_bounded_parser() -> None:
    configured = CONFIGURED_PARSERS
    assert configured == [parsers.JSONParser]


@pytest.mark.parametrize("body", [nested(100_000), nested_objects(50_000)], ids=["array", "object"])
def test_json_nested_beyond_the_interpreter_stack_is_a_400_json_too_deep(
    client: Client, body: bytes
) -> None:
    response = client.post("/echo", body, content_type="application/json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "json_too_deep"
    assert str(parsers.MAX_JSON_DEPTH) in error["message"]


def test_json_one_level_deeper_than_allowed_is_refused(client: Client) -> None:
    response = client.post(
        "/data", nested(parsers.MAX_JSON_DEPTH + 1), content_type="application/json"
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "json_too_deep"


def test_json_at_the_allowed_depth_reaches_the_view(client: Client) -> None:
    body = nested(parsers.MAX_JSON_DEPTH)

    response = client.post("/data", body, content_type="application/json")

    assert response.status_code == 200
    assert json.dumps(response.json()["data"], separators=(",", ":")).encode() == body


def test_deep_json_in_the_callers_language(client: Client, settings: SettingsWrapper) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django.middleware.locale.LocaleMiddleware"]

    response = client.post(
        "/echo", nested(5_000), content_type="application/json", HTTP_ACCEPT_LANGUAGE="pt-BR"
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "json_too_deep"
    assert error["message"] == (
        f"O corpo da requisição tem aninhamento demais (no máximo {parsers.MAX_JSON_DEPTH} níveis)."
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"n": 1e999}',
        b'{"n": -1e999}',
        b'{"n": NaN}',
        b'{"n": Infinity}',
        b'{"n": 1' + b"0" * 5000 + b"}",
    ],
    ids=["huge-float", "huge-negative-float", "nan", "infinity", "5000-digit-integer"],
)
def test_numbers_beyond_a_finite_float_are_malformed_json(client: Client, body: bytes) -> None:
    response = client.post("/data", body, content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


def test_a_nul_character_in_a_string_is_data_not_an_error(client: Client) -> None:
    response = client.post("/data", b'{"name": "a\\u0000b"}', content_type="application/json")

    assert response.status_code == 200
    assert response.json() == {"data": {"name": "a\x00b"}}


def test_plain_view_decoding_deep_json_with_the_shared_loads_is_a_400(client: Client) -> None:
    response = client.post("/plain", nested(100_000), content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "json_too_deep"


def test_plain_view_decoding_malformed_json_with_the_shared_loads_is_a_400(client: Client) -> None:
    response = client.post("/plain", b"[1, 2", content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


def test_depth_check_counts_objects_and_arrays_without_recursing() -> None:
    deep: Any = 1
    for _ in range(200_000):
        deep = {"a": [deep]}

    assert parsers.depth_exceeds(deep, 32)
    assert not parsers.depth_exceeds({"a": [{"b": [1, 2, {"c": "d"}]}]}, 5)
    assert parsers.depth_exceeds({"a": [{"b": [1, 2, {"c": "d"}]}]}, 4)


# ---------------------------------------------------- views that decode JSON themselves


class SelfDecodingView(OpenView):
    """Like a Git webhook: a DRF view that reads the raw body and decodes it itself."""

    def post(self, request: Request) -> Response:
        return Response({"keys": len(json.loads(request._request.body))})


def self_decoding_plain_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"keys": len(json.loads(request.body))})


def recursing_view(request: HttpRequest) -> JsonResponse:
    def down(n: int) -> int:
        return down(n + 1)

    return JsonResponse({"depth": down(0)})


urlpatterns += [
    path("self-decoding", SelfDecodingView.as_view()),
    path("self-decoding-plain", self_decoding_plain_view),
    path("recursing", recursing_view),
]


@pytest.mark.parametrize("url", ["/self-decoding", "/self-decoding-plain"])
def test_a_view_decoding_deep_json_with_the_standard_library_gets_json_too_deep(
    client: Client, url: str
) -> None:
    response = client.post(url, nested(100_000), content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "json_too_deep"


def test_a_recursion_error_of_our_own_code_stays_a_server_error(client: Client) -> None:
    client.raise_request_exception = False

    response = client.get("/recursing")

    assert response.status_code == 500
    assert error_of(response)["code"] == "internal_error"


def test_text_with_an_unpaired_surrogate_is_a_400_invalid_text(client: Client) -> None:
    # Valid JSON, but no UTF-8 form: a field that quoted it in its error was a 500.
    response = client.post("/data", b'{"name": "fuzz\\ud800half"}', content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_text"


def test_a_paired_surrogate_and_a_nul_pass_the_parser(client: Client) -> None:
    # An emoji is a surrogate pair in JSON; a NUL is refused by the fields that store text.
    body = b'{"name": "\\ud83d\\ude00", "note": "a\\u0000b"}'
    response = client.post("/data", body, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["data"] == {"name": "\U0001f600", "note": "a\x00b"}
