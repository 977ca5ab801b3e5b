"""Revoked access tokens: the deny list in the real Redis, over HTTP and WebSocket tickets.

A revocation names a person, optionally an organization and a session, and
refuses that person's tokens issued at or before a second. Entries are recorded
from the ``tokens.revoked`` event (the consumer accounts' outbox feeds) and
checked on every authenticated request.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from pocdex_shared.events.consumer import consume
from pocdex_shared.jwt import get_verifier
from pocdex_shared.tenancy import revocation
from pocdex_shared.tenancy.asgi import TicketTenantMiddleware, issue_ticket
from pocdex_shared.tenancy.events import register_replica_handlers
from pocdex_shared.tenancy.revocation import Revocation, matches
from tests.conftest import MakeTenant
from tests.keys import access_token, bearer
from tests.test_tenancy_asgi import TenantEchoConsumer

pytestmark = pytest.mark.django_db
NOTES = "/tenancy/notes"
WINDOW = 630
NOW = 1_800_000_000.0


class ManualClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _clean_deny_list(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(revocation.KEY_PREFIX + "*"):
        client.delete(key)
    revocation.forget_local()
    yield
    revocation.forget_local()


def error(response: Any) -> dict[str, Any]:
    return dict(json.loads(response.content)["error"])


def revoke(
    user_id: str,
    *,
    tenant_id: Any = None,
    family_id: str | None = None,
    issued_before: int | None = None,
    reason: str = "logout",
) -> Revocation:
    entry = Revocation(
        user_id=user_id,
        tenant_id=str(tenant_id) if tenant_id is not None else None,
        family_id=family_id,
        issued_before=int(time.time()) if issued_before is None else issued_before,
        reason=reason,
    )
    revocation.record(entry)
    return entry


# ------------------------------------------------------------------ the matching rules

TENANT = str(uuid.uuid4())
OTHER_TENANT = str(uuid.uuid4())
SESSION = str(uuid.uuid4())
OTHER_SESSION = str(uuid.uuid4())


def match(entries: dict[str, int], **token: Any) -> bool:
    token = {"tenant_id": TENANT, "session_id": SESSION, "issued_at": int(NOW) - 60, **token}
    return matches(entries, now=NOW, window=WINDOW, **token)


def test_an_entry_for_every_organization_and_session_refuses_any_older_token() -> None:
    entries = {"*|*": int(NOW)}
    assert match(entries)
    assert match(entries, tenant_id=OTHER_TENANT, session_id=None)


def test_an_entry_for_one_organization_spares_the_persons_tokens_of_other_organizations() -> None:
    entries = {f"{TENANT}|*": int(NOW)}
    assert match(entries)
    assert match(entries, session_id=OTHER_SESSION)
    assert not match(entries, tenant_id=OTHER_TENANT)
    assert not match(entries, tenant_id=None)


def test_an_entry_for_one_session_spares_other_sessions_and_tokens_without_a_session() -> None:
    entries = {f"{TENANT}|{SESSION}": int(NOW)}
    assert match(entries)
    assert not match(entries, session_id=OTHER_SESSION)
    assert not match(entries, session_id=None)
    assert not match(entries, tenant_id=OTHER_TENANT)


def test_tokens_issued_in_the_second_of_the_revocation_are_refused_later_ones_are_not() -> None:
    entries = {"*|*": int(NOW)}
    assert match(entries, issued_at=int(NOW))
    assert not match(entries, issued_at=int(NOW) + 1)


def test_an_entry_older_than_the_window_refuses_nothing() -> None:
    # Every token it could refuse has expired (lifetime plus leeway) by then.
    issued_before = int(NOW) - WINDOW
    assert match({"*|*": issued_before}, issued_at=issued_before)
    assert not match({"*|*": issued_before - 1}, issued_at=issued_before - 1)


# ------------------------------------------------------------------ Redis


def test_a_late_or_repeated_event_never_weakens_a_revocation() -> None:
    user = str(uuid.uuid4())
    now = int(time.time())
    revoke(user, issued_before=now)
    revoke(user, issued_before=now - 100)
    assert revocation.entries_for(user, fresh=True) == {"*|*": now}


def test_a_persons_entries_expire_with_the_newest_after_the_window() -> None:
    user = str(uuid.uuid4())
    now = int(time.time())
    revoke(user, issued_before=now)
    ttl = redis.Redis.from_url(settings.REDIS_URL).ttl(revocation.KEY_PREFIX + user)
    window = revocation.revocation_window()
    assert window == 600 + 30
    assert window - 5 <= ttl <= window


def test_stale_entries_are_dropped_when_a_new_one_is_recorded() -> None:
    user = str(uuid.uuid4())
    now = int(time.time())
    revoke(user, tenant_id=TENANT, issued_before=now - revocation.revocation_window() - 10)
    revoke(user, issued_before=now)
    assert revocation.entries_for(user, fresh=True) == {"*|*": now}


# ------------------------------------------------------------------ HTTP


def test_a_revoked_token_is_refused_with_token_revoked(make_tenant: MakeTenant) -> None:
    tenant = make_tenant("revoked-org")
    user = str(uuid.uuid4())
    session = str(uuid.uuid4())
    raw = access_token(tenant_id=tenant.id, subject=user, sid=session)
    assert Client().get(NOTES, **bearer(raw)).status_code == 200

    revoke(user, tenant_id=tenant.id, family_id=session)

    response = Client().get(NOTES, **bearer(raw))
    assert response.status_code == 401
    assert error(response)["code"] == "token_revoked"
    assert response["WWW-Authenticate"] == 'Bearer realm="pocdex", error="invalid_token"'


def test_a_revocation_spares_other_people_and_the_persons_other_sessions(
    make_tenant: MakeTenant,
) -> None:
    tenant = make_tenant("shared-org")
    user = str(uuid.uuid4())
    session = str(uuid.uuid4())
    other_person = access_token(tenant_id=tenant.id, subject=str(uuid.uuid4()), sid=session)
    other_session = access_token(tenant_id=tenant.id, subject=user, sid=str(uuid.uuid4()))

    revoke(user, tenant_id=tenant.id, family_id=session)

    assert Client().get(NOTES, **bearer(other_person)).status_code == 200
    assert Client().get(NOTES, **bearer(other_session)).status_code == 200


def test_a_removal_from_one_organization_spares_the_persons_other_organization(
    make_tenant: MakeTenant,
) -> None:
    left, stays = make_tenant("left-org"), make_tenant("stays-org")
    user = str(uuid.uuid4())

    revoke(user, tenant_id=left.id, reason="member_removed")

    refused = Client().get(NOTES, **bearer(access_token(tenant_id=left.id, subject=user)))
    assert error(refused)["code"] == "token_revoked"
    kept = Client().get(NOTES, **bearer(access_token(tenant_id=stays.id, subject=user)))
    assert kept.status_code == 200


def test_a_token_issued_after_the_revocation_is_served(make_tenant: MakeTenant) -> None:
    tenant = make_tenant("relogin-org")
    user = str(uuid.uuid4())
    revoke(user, issued_before=int(time.time()) - 1, reason="password_reset")
    fresh = access_token(tenant_id=tenant.id, subject=user)
    assert Client().get(NOTES, **bearer(fresh)).status_code == 200


def test_the_event_every_service_consumes_records_the_revocation(
    make_tenant: MakeTenant,
) -> None:
    register_replica_handlers()
    tenant = make_tenant("event-org")
    user = str(uuid.uuid4())
    raw = access_token(tenant_id=tenant.id, subject=user)
    envelope = {
        "id": str(uuid.uuid4()),
        "topic": "tokens.revoked",
        "producer": "accounts",
        "tenant_id": None,
        "occurred_at": "2026-01-01T00:00:00+00:00",
        "payload": {
            "user_id": user,
            "tenant_id": None,
            "family_id": None,
            "issued_before": int(time.time()),
            "reason": "password_reset",
        },
    }

    assert consume(envelope)

    assert error(Client().get(NOTES, **bearer(raw)))["code"] == "token_revoked"


def test_a_malformed_event_is_dropped_without_recording_anything() -> None:
    register_replica_handlers()
    user = str(uuid.uuid4())
    envelope = {
        "id": str(uuid.uuid4()),
        "topic": "tokens.revoked",
        "payload": {"user_id": user, "issued_before": "yesterday", "reason": "logout"},
    }
    assert consume(envelope)
    assert revocation.entries_for(user, fresh=True) == {}


def test_a_revocation_recorded_by_another_process_is_seen_once_local_memory_expires(
    make_tenant: MakeTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(1000.0)
    monkeypatch.setattr(revocation._local, "clock", clock)
    tenant = make_tenant("memory-org")
    user = str(uuid.uuid4())
    raw = access_token(tenant_id=tenant.id, subject=user)
    assert Client().get(NOTES, **bearer(raw)).status_code == 200

    # Another process (a worker) writes the entry: this process is not told.
    redis.Redis.from_url(settings.REDIS_URL).hset(
        revocation.KEY_PREFIX + user, "*|*", int(time.time())
    )
    assert Client().get(NOTES, **bearer(raw)).status_code == 200
    clock.now += 1.0  # REVOCATION_CACHE_SECONDS

    assert error(Client().get(NOTES, **bearer(raw)))["code"] == "token_revoked"


def test_tokens_are_served_when_the_deny_list_cannot_be_reached(
    make_tenant: MakeTenant, settings: Any
) -> None:
    tenant = make_tenant("no-redis-org")
    settings.REVOCATION_REDIS_URL = "redis://127.0.0.1:9/0"
    raw = access_token(tenant_id=tenant.id)
    assert Client().get(NOTES, **bearer(raw)).status_code == 200


def test_the_session_claim_is_read_from_the_token() -> None:
    session = str(uuid.uuid4())
    token = get_verifier().verify(access_token(tenant_id=TENANT, sid=session))
    assert token.session_id == session
    assert get_verifier().verify(access_token(tenant_id=TENANT)).session_id is None


# ------------------------------------------------------------------ WebSocket tickets


def _open(ticket: str) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        communicator = WebsocketCommunicator(
            TicketTenantMiddleware(TenantEchoConsumer.as_asgi()), f"/ws/dojo/1?ticket={ticket}"
        )
        await communicator.connect()
        received = [await communicator.receive_json_from()]
        await communicator.disconnect()
        return received

    return async_to_sync(run)()


@pytest.mark.django_db(transaction=True)
def test_a_ticket_carries_its_tokens_session_and_issue_time_and_dies_with_it(
    make_tenant: MakeTenant,
) -> None:
    tenant = make_tenant("ticket-org")
    user = str(uuid.uuid4())
    session = str(uuid.uuid4())
    token = get_verifier().verify(access_token(tenant_id=tenant.id, subject=user, sid=session))
    kept = issue_ticket(token, resource="dojo:1")
    refused = issue_ticket(token, resource="dojo:1")
    stored = json.loads(redis.Redis.from_url(settings.REDIS_URL).get("pocdex:ws-ticket:" + kept))
    assert stored["sid"] == session and stored["iat"] == token.issued_at_epoch
    assert _open(kept)[0]["type"] == "hello"

    revoke(user, tenant_id=tenant.id, family_id=session)

    assert _open(refused) == [{"type": "error", "code": "token_revoked"}]
