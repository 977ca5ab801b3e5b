"""The running platform (``make run``) as the media tests use it: real organizations and data.

Organizations are signed up through the gateway like any customer; members are
invited and accept through the mail catcher; POCs and dojos are created through
the public pocs and dojo APIs with each person's real access token. Media's jobs,
run in the test process against its test database, then read them back from the
real pocs and dojo with real service tokens from the real accounts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
import websockets

from pocdex_shared.testing.dojo_client import DojoClient, WebsocketsTransport
from pocdex_shared.testing.mail import Mailbox, code_from_mail

GATEWAY = os.environ.get("GATEWAY_URL", "http://localhost:8000").rstrip("/")
WS_BASE = GATEWAY.replace("http://", "ws://").replace("https://", "wss://")
PASSWORD = "media-tests-password-2026"
# Access tokens live about 10 minutes: refresh well before.
TOKEN_MAX_AGE = 300.0


def closed_port_url() -> str:
    """``http://127.0.0.1:<port>`` where nothing listens: a real connection refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass
class Person:
    """A real user of accounts with a membership in one organization."""

    id: uuid.UUID
    name: str
    role: str
    email: str
    access: str
    refresh: str
    issued: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


@dataclass
class Organization:
    id: uuid.UUID
    slug: str
    people: dict[str, Person]  # by role name in the tests: "owner", "alice", ...


class Gateway:
    """The public API at ``GATEWAY_URL``, as the apps call it."""

    def __init__(self, base: str = GATEWAY) -> None:
        self.base = base
        self.mailbox = Mailbox()

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.request(method, self.base + path, json=body, headers=headers, timeout=30)

    def check_running(self) -> None:
        requests.get(self.base + "/healthz/accounts", timeout=5).raise_for_status()

    def token(self, person: Person) -> str:
        """The person's access token, refreshed when it is getting old."""
        with person.lock:
            if time.monotonic() - person.issued > TOKEN_MAX_AGE:
                response = self.call("POST", "/api/v1/auth/refresh", {"refresh": person.refresh})
                assert response.status_code == 200, response.text
                person.access = response.json()["access"]
                person.refresh = response.json()["refresh"]
                person.issued = time.monotonic()
            return person.access

    def as_person(
        self, person: Person, method: str, path: str, body: Any = None
    ) -> requests.Response:
        """A call of ``person``, waiting out ``tenant_not_ready`` (pocs and dojo learn that a
        new organization is active from an event, a moment after accounts)."""
        deadline = time.monotonic() + 30
        while True:
            response = self.call(method, path, body, self.token(person))
            if response.status_code not in (403, 503) or "tenant_not_ready" not in response.text:
                return response
            assert time.monotonic() < deadline, response.text
            time.sleep(0.2)

    # ------------------------------------------------------------ organizations and people

    def _me(self, access: str) -> dict[str, Any]:
        response = self.call("GET", "/api/v1/me", token=access)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def organization(self, owner_name: str, invitees: dict[str, tuple[str, str]]) -> Organization:
        """Sign up an organization, wait until it is active, invite ``invitees``
        (``{key: (name, role)}``) and have each accept; the owner is ``people["owner"]``."""
        suffix = uuid.uuid4().hex[:10]
        email = f"owner-{suffix}@example.com"
        signup = self.call(
            "POST",
            "/api/v1/signup",
            {
                "organization_name": f"Media tests {suffix}",
                "organization_slug": f"media-{suffix}",
                "owner_name": owner_name,
                "email": email,
                "password": PASSWORD,
                "locale": "en",
            },
        )
        assert signup.status_code == 201, signup.text
        body = signup.json()
        tokens = body["tokens"]
        deadline = time.monotonic() + 60
        while (me := self._me(tokens["access"]))["organization"]["status"] != "active":
            assert time.monotonic() < deadline, "the organization did not become active"
            time.sleep(0.1)
        owner = Person(
            id=uuid.UUID(me["id"]),
            name=me["name"],
            role=me["role"],
            email=email,
            access=tokens["access"],
            refresh=tokens["refresh"],
        )
        org = Organization(
            id=uuid.UUID(body["organization"]["id"]),
            slug=body["organization"]["slug"],
            people={"owner": owner},
        )
        if invitees:  # inviting needs a confirmed address: the code of the verification mail
            confirmed = self.call(
                "POST", "/api/v1/auth/verify-email", {"token": code_from_mail(self._mail_to(email))}
            )
            assert confirmed.status_code == 204, confirmed.text
        emails = {key: f"{key}-{uuid.uuid4().hex[:8]}@example.com" for key in invitees}
        for key, (_name, role) in invitees.items():
            sent = self.call(
                "POST", "/api/v1/invitations", {"email": emails[key], "role": role}, owner.access
            )
            assert sent.status_code == 201, sent.text
        for key, (name, role) in invitees.items():
            mail = self._mail_to(emails[key])
            accepted = self.call(
                "POST",
                "/api/v1/invitations/accept",
                {"token": code_from_mail(mail), "name": name, "password": PASSWORD},
            )
            assert accepted.status_code == 200, accepted.text
            assert accepted.json()["role"] == role
            pair = accepted.json()["tokens"]
            me = self._me(pair["access"])
            org.people[key] = Person(
                id=uuid.UUID(me["id"]),
                name=me["name"],
                role=me["role"],
                email=emails[key],
                access=pair["access"],
                refresh=pair["refresh"],
            )
        return org

    def _mail_to(self, address: str, timeout: float = 90.0) -> dict[str, Any]:
        """The first mail to ``address`` (unique per invitation). The catcher answers slowly
        when many tests poll it at once, so a slow answer is waited out, not a failure."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                response = requests.get(
                    f"{self.mailbox.base_url}/api/messages", params={"to": address}, timeout=20
                )
                response.raise_for_status()
                if messages := response.json():
                    return dict(messages[0])
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise AssertionError(f"no mail to {address} within {timeout}s")

    # ------------------------------------------------------------ POCs and dojos

    def add_poc(self, person: Person, **body: Any) -> dict[str, Any]:
        response = self.as_person(person, "POST", "/api/v1/pocs", body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def run_dojo(self, facilitator: Person, others: list[Person], **fields: Any) -> dict[str, Any]:
        """A dojo that really happened: created, each person connected over the WebSocket
        (which makes them participants and seats them), started, a line written, ended."""
        created = self.as_person(
            facilitator,
            "POST",
            "/api/v1/dojos",
            {
                "title": "Randori",
                "kata": "FizzBuzz",
                "language": "Python",
                "rotation_minutes": 5,
                "scheduled_at": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat(),
                **fields,
            },
        )
        assert created.status_code == 201, created.text
        dojo_id = created.json()["id"]
        asyncio.run(self._session(dojo_id, facilitator, [facilitator, *others]))
        ended = self.as_person(facilitator, "POST", f"/api/v1/dojos/{dojo_id}/end")
        assert ended.status_code == 200, ended.text
        return dict(ended.json())

    async def _connect(self, person: Person, dojo_id: str) -> DojoClient:
        ticket = await asyncio.to_thread(
            self.as_person, person, "POST", f"/api/v1/dojos/{dojo_id}/ticket"
        )
        assert ticket.status_code == 201, ticket.text
        connection = await websockets.connect(WS_BASE + ticket.json()["url"], open_timeout=30)
        client = DojoClient(person.name)
        await client.attach(WebsocketsTransport(connection))
        return client

    async def _session(self, dojo_id: str, facilitator: Person, people: list[Person]) -> None:
        # Generous waits: the dojo instances may be busy with benchmarks on this machine.
        clients = [await self._connect(person, dojo_id) for person in people]
        try:
            started = await asyncio.to_thread(
                self.as_person, facilitator, "POST", f"/api/v1/dojos/{dojo_id}/start"
            )
            assert started.status_code == 200, started.text
            for client in clients:
                await client.until(lambda f: f["type"] == "dojo_started", timeout=90)
            pilot = clients[0]  # the first to connect holds the keyboard
            await pilot.edit(pilot.insert_at_end("def fizzbuzz(n):\n    return str(n)\n"))
            await pilot.settle(timeout=90)
        finally:
            for client in clients:
                await client.close()


class Organizations:
    """Real organizations for a test session, created concurrently ahead of the tests.

    Each takes seconds (signup, provisioning in every service, invitation mails),
    so all that the collected tests will ask for are started at once. Accepting an
    invitation is throttled per IP in accounts (``THROTTLE_INVITATION_ACCEPT_IP``,
    30 an hour by default), so organizations invite only the people a test needs.
    """

    PEOPLE = {
        "alice": ("Alice Conceição", "member"),
        "bob": ("Bob Colleague", "member"),
        "admin": ("Ada Admin", "admin"),
    }
    #: The organization of the tests that do not count exactly what it holds.
    SHARED = ("alice", "bob", "admin")

    def __init__(
        self,
        gateway: Gateway,
        *,
        shared: bool,
        outsider: bool,
        own: dict[str, tuple[str, ...]],
    ) -> None:
        self.gateway = gateway
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="real-orgs")
        self.people: dict[uuid.UUID, Person] = {}
        self._shared = self._submit("Olga Owner", self.SHARED) if shared else None
        self._outsider = self._submit("Otto Outsider", ()) if outsider else None
        self._own = {key: self._submit("Olga Owner", invite) for key, invite in own.items()}
        self._lock = threading.Lock()

    def _submit(self, owner_name: str, invite: tuple[str, ...]) -> Future[Organization]:
        invitees = {key: self.PEOPLE[key] for key in invite}
        return self.pool.submit(self.gateway.organization, owner_name, invitees)

    def _known(self, future: Future[Organization]) -> Organization:
        org = future.result()
        for person in org.people.values():
            self.people[person.id] = person
        return org

    def shared(self) -> Organization:
        with self._lock:
            if self._shared is None:
                self._shared = self._submit("Olga Owner", self.SHARED)
        return self._known(self._shared)

    def outsider(self) -> Organization:
        with self._lock:
            if self._outsider is None:
                self._outsider = self._submit("Otto Outsider", ())
        return self._known(self._outsider)

    def own(self, key: str, invite: tuple[str, ...]) -> Organization:
        """The organization of one test alone (``key``: its node id), for tests that count."""
        with self._lock:
            future = self._own.pop(key, None) or self._submit("Olga Owner", invite)
        return self._known(future)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
