"""A database that cannot serve is a 503 the client may retry, never a bug's 500.

Against the real PostgreSQL: the server ends the request's session
(``pg_terminate_backend``, as a failover or restart would), or nothing listens
where the database should be. Afterwards the next request works again.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import translation
from pytest_django.fixtures import Settings as SettingsWrapper

from pocdex_shared.errors import MESSAGES
from tests.keys import access_token, bearer

# Transactional: ending the session would also end a test's wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)

JSON_ERRORS = "pocdex_shared.errors.JsonErrorMiddleware"
MESSAGE = "The service cannot reach its database right now. Try again in a moment."


@pytest.fixture
def json_errors(settings: SettingsWrapper) -> None:
    """The middleware where services install it: right after the request context."""
    middleware = [m for m in settings.MIDDLEWARE if m != JSON_ERRORS]
    settings.MIDDLEWARE = [middleware[0], JSON_ERRORS, *middleware[1:]]


@pytest.fixture(autouse=True)
def fresh_session_afterwards() -> Iterator[None]:
    yield
    connection.close()  # the flush after a transactional test needs a live session


def request_ended() -> None:
    """What Django's handler does after each request; its test client leaves it out."""
    close_old_connections()


@pytest.fixture
def client() -> Client:
    # Django re-raises in tests what it signals as a request exception; the
    # answer the caller gets is what is checked here.
    return Client(raise_request_exception=False)


@pytest.fixture
def unreachable_database() -> Iterator[None]:
    """Nothing listens on the database's port for the duration of the test."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    saved = connection.settings_dict["PORT"], connection.settings_dict["HOST"]
    connection.close()
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", closed_port
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"], connection.settings_dict["HOST"] = saved


def unavailable(response: Any) -> dict[str, Any]:
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    body = json.loads(response.content)
    assert set(body) == {"error"}
    return dict(body["error"])


def test_a_session_ended_by_the_server_during_a_view_is_a_503(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="pocdex_shared.errors"):
        response = client.get("/_b/db/lost")

    assert unavailable(response) == {"code": "database_unavailable", "message": MESSAGE}
    logged = [r.getMessage() for r in caplog.records if r.name == "pocdex_shared.errors"]
    assert len(logged) == 1 and logged[0].startswith("Database unavailable in GET /_b/db/lost")
    # The broken session is dropped at the end of the request: the next one works.
    request_ended()
    again = client.get("/_b/db/count")
    assert again.status_code == 200 and "users" in json.loads(again.content)


def test_in_a_plain_view_too(client: Client, json_errors: None) -> None:
    response = client.get("/_b/plain/db-lost")

    assert unavailable(response)["code"] == "database_unavailable"
    request_ended()
    assert client.get("/_b/db/count").status_code == 200


def test_an_unreachable_database_in_a_view_is_a_503(
    client: Client, unreachable_database: None
) -> None:
    response = client.get("/_b/db/count")

    assert unavailable(response)["code"] == "database_unavailable"


def test_an_unreachable_database_met_by_the_tenant_middleware_is_a_503(
    client: Client, unreachable_database: None, settings: SettingsWrapper
) -> None:
    # The tenant row is read before any view runs (no cached copy here).
    settings.TENANT_CACHE_SECONDS = 0
    response = client.get(
        "/tenancy/notes", **bearer(access_token(tenant_id="0b7a2f8e-3c1d-4e5f-9a6b-7c8d9e0f1a2b"))
    )

    assert unavailable(response)["code"] == "database_unavailable"


def test_a_statement_that_times_out_is_not_an_outage(client: Client) -> None:
    """The database answered: a query too slow for its limit is ours to fix (500, logged)."""
    response = client.get("/_b/db/timeout")

    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "internal_error"
    request_ended()
    assert client.get("/_b/db/count").status_code == 200


def test_using_a_closed_cursor_is_a_bug_not_an_outage(client: Client) -> None:
    response = client.get("/_b/db/closed-cursor")

    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "internal_error"
    assert client.get("/_b/db/count").status_code == 200


def test_the_message_is_translated() -> None:
    with translation.override("pt-br"):
        portuguese = str(MESSAGES["database_unavailable"])
    assert portuguese == (
        "O serviço não consegue acessar o banco de dados agora. Tente de novo em instantes."
    )
