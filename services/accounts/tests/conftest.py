"""Fixtures over the real stack: PostgreSQL, Redis (broker and cache), the SMTP catcher."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from config.celery import app as celery_app
from pocdex_shared.tenancy.provisioning import ensure_base_schema
from pocdex_shared.testing.celery import drain, worker_thread
from pocdex_shared.testing.mail import Mailbox
from tokens.keys import _cache as key_cache

PASSWORD = "correct-horse-battery-42"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The test database also needs the migrated tenant template schema."""
    with django_db_blocker.unblock():
        ensure_base_schema()


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    cache.clear()
    # Signing keys live in the test transaction: forget the previous test's keys.
    key_cache.clear()
    yield
    connection.set_schema_to_public()


ACCOUNTS_QUEUES = ("accounts.events", "accounts.default")


@pytest.fixture(scope="session")
def celery_worker_thread(django_db_blocker: Any) -> Iterator[Any]:
    """A real Celery worker, in a thread, consuming accounts' queues from the test broker."""
    celery_app.conf.task_default_queue = "accounts.default"
    with django_db_blocker.unblock(), worker_thread(celery_app, queues=ACCOUNTS_QUEUES) as worker:
        yield worker


@pytest.fixture
def worker(celery_worker_thread: Any, transactional_db: None) -> Iterator[Any]:
    """Tests that commit for real (events, mail) use this; it drains the queues afterwards."""
    yield celery_worker_thread
    drain(settings.CELERY_BROKER_URL, queues=ACCOUNTS_QUEUES)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def auth(client: APIClient, access: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.fixture
def signup(api: APIClient) -> Callable[..., dict[str, Any]]:
    """Sign up a fresh organization through the API; returns the response body."""

    def _signup(**overrides: Any) -> dict[str, Any]:
        suffix = uuid.uuid4().hex[:8]
        body = {
            "organization_name": f"Org {suffix}",
            "organization_slug": f"org-{suffix}",
            "owner_name": "Olga Owner",
            "email": f"owner-{suffix}@example.com",
            "password": PASSWORD,
            "locale": "en",
            **overrides,
        }
        response = APIClient().post("/api/v1/signup", body, format="json")
        assert response.status_code == 201, response.content
        data: dict[str, Any] = response.json()
        data["email"] = body["email"]
        data["password"] = body["password"]
        return data

    return _signup


@pytest.fixture
def mailbox(settings: Any) -> Mailbox:
    # Django's test environment swaps in the in-memory backend; these tests mean real SMTP.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    return Mailbox()


@pytest.fixture
def console_team(signup: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """An organization with an owner, an admin and a member, for the owner console's tests."""
    from .console_support import make_console_team

    return make_console_team(signup)
