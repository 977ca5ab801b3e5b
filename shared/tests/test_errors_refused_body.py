"""A refused oversized body is read off the connection, so the answer arrives as a 413.

A WSGI server (gunicorn) closes a connection whose request body was not read;
behind the gateway, which is still sending that body or reuses the connection
for the next request, the 413 then turned into a reset connection and a 503
from the gateway. The middleware reads the refused body (up to a bound) first.
"""

from __future__ import annotations

import json

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.client import FakePayload
from pytest_django.fixtures import Settings as SettingsWrapper

from pocdex_shared import errors
from pocdex_shared.errors import JsonErrorMiddleware


def never_called(request: HttpRequest) -> HttpResponse:
    raise AssertionError("the view must not run for an oversized body")


def oversized_request(size: int) -> HttpRequest:
    return RequestFactory().post("/api/v1/pocs", b"[" * size, content_type="application/json")


def test_the_refused_body_is_read_before_answering_413(settings: SettingsWrapper) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    request = oversized_request(200_000)
    stream = request.META["wsgi.input"]
    assert isinstance(stream, FakePayload) and len(stream) == 200_000

    response = JsonErrorMiddleware(never_called)(request)

    assert response.status_code == 413
    assert json.loads(response.content)["error"]["code"] == "payload_too_large"
    assert len(stream) == 0, "the refused body was left on the connection"


def test_reading_a_refused_body_is_bounded(
    settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    monkeypatch.setattr(errors, "_MAX_DISCARDED_BODY", 10_000)
    request = oversized_request(50_000)
    stream = request.META["wsgi.input"]

    response = JsonErrorMiddleware(never_called)(request)

    assert response.status_code == 413
    assert len(stream) == 40_000


def answers_without_reading(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=405)


def reads_the_body(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.body[:2], status=200)


def test_a_body_the_view_did_not_read_is_read_before_the_response_leaves() -> None:
    # A 405 or a refusal before parsing left the body on the connection: gunicorn
    # then closed a connection it had announced as keep-alive, and the gateway
    # answered the next request on it with a 503.
    request = RequestFactory().post("/api/v1/me", b"x" * 70_000, content_type="application/json")
    stream = request.META["wsgi.input"]

    response = JsonErrorMiddleware(answers_without_reading)(request)

    assert response.status_code == 405
    assert len(stream) == 0, "the unread body was left on the connection"


def test_a_body_the_view_read_is_served_as_usual() -> None:
    request = RequestFactory().post("/api/v1/pocs", b'{"a": 1}', content_type="application/json")

    response = JsonErrorMiddleware(reads_the_body)(request)

    assert (response.status_code, response.content) == (200, b'{"')
    assert len(request.META["wsgi.input"]) == 0
