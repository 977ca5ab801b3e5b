"""Fixtures over the real stack: PostgreSQL, and Redis databases 6, 7 and 8.

Organizations are tenant replicas provisioned as the ``tenant.created`` handler
does; members are access tokens minted with the tests' key (``pocdex_shared.testing.tokens``).
WebSocket tests drive the real consumer through the real Redis channel layer
(``channels.testing``); the scale-out tests start real daphne processes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from pocdex_shared.testing.tenants import MakeMember, Member, error_code

pytest_plugins = ["pocdex_shared.testing.tenants"]

__all__ = ["Member", "error_code"]


@pytest.fixture
def org(make_tenant: Callable[..., Any]) -> Any:
    return make_tenant()


@pytest.fixture
def ana(org: Any, make_member: MakeMember) -> Member:
    """The facilitator of most dojos here."""
    return make_member(org, name="Ana Facilitadora")


@pytest.fixture
def bruno(org: Any, make_member: MakeMember) -> Member:
    return make_member(org, name="Bruno Barros")


@pytest.fixture
def carla(org: Any, make_member: MakeMember) -> Member:
    return make_member(org, name="Carla Costa")


@pytest.fixture
def admin(org: Any, make_member: MakeMember) -> Member:
    return make_member(org, role="admin", name="Ada Admin")


@pytest.fixture
def outsider(make_tenant: Callable[..., Any], make_member: MakeMember) -> Member:
    """The owner of another organization."""
    return make_member(make_tenant(), role="owner", name="Otto Outsider")


def dojo_body(**fields: Any) -> dict[str, Any]:
    return {
        "title": "Kata do Bowling",
        "kata": "# Bowling\n\nCalcule a pontuação de uma partida.",
        "language": "Python",
        "rotation_minutes": 5,
        "scheduled_at": (timezone.now() + timedelta(hours=1)).isoformat(),
        **fields,
    }


@pytest.fixture
def create_dojo() -> Callable[..., dict[str, Any]]:
    def create(member: Member, **fields: Any) -> dict[str, Any]:
        response = member.client.post("/api/v1/dojos", dojo_body(**fields), format="json")
        assert response.status_code == 201, response.content
        return dict(response.json())

    return create


@pytest.fixture(autouse=True)
def _fresh_instance() -> Iterator[None]:
    """Each test runs its own event loop: forget the previous loop's timers, heartbeat and channel."""
    from dojos.live import instance

    yield
    for _deadline, handle in instance.timers.values():
        handle.cancel()
    instance.timers.clear()
    instance.consumers.clear()
    instance.heartbeat = None
    instance.channel, instance.reader, instance.loop = None, None, None


@pytest.fixture(scope="session", autouse=True)
def _release_worker_connections(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The consumer's worker threads keep their connections (dojos.threads.in_schema);
    end those sessions before pytest-django drops the test database.

    Only the test database's: when no selected test needs a database,
    pytest-django sets none up and the connection still names the platform's
    own, whose sessions (the running daphne instances') are not ours to end."""
    yield
    from django.db import connection

    # Set up, the test database's name is the connection's: ``test_<name>``.
    if not str(connection.settings_dict["NAME"]).startswith("test_"):
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    # Closing Django's connection gives it back to the pool, still in the test
    # database, where it would keep pytest-django from dropping it: close the pool.
    connection.close_pool()
