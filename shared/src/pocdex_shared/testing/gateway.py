"""The platform's public API through the gateway, as the apps and the end-to-end and
browser tests use it: sign an organization up, confirm an address, wait for it to be served."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import requests

from pocdex_shared.testing.mail import Mailbox, code_from_mail


def gateway_url() -> str:
    return os.environ.get("GATEWAY_URL", "http://localhost:8000").rstrip("/")


def _expect(response: requests.Response, status: int) -> None:
    """An AssertionError, so that a test fails on it, when the answer is not ``status``."""
    if response.status_code != status:
        raise AssertionError(
            f"{response.request.method} {response.url}: {response.status_code} {response.text}"
        )


class Gateway:
    def __init__(self, base_url: str | None = None) -> None:
        self.base = base_url or gateway_url()

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return requests.get(self.url(path), headers=self._auth(token), timeout=10, **kw)

    def post(
        self, path: str, json: Any = None, token: str | None = None, **kw: Any
    ) -> requests.Response:
        return requests.post(self.url(path), json=json, headers=self._auth(token), timeout=10, **kw)

    def patch(self, path: str, json: Any = None, token: str | None = None) -> requests.Response:
        return requests.patch(self.url(path), json=json, headers=self._auth(token), timeout=10)

    def put(self, path: str, json: Any = None, token: str | None = None) -> requests.Response:
        return requests.put(self.url(path), json=json, headers=self._auth(token), timeout=10)

    def delete(self, path: str, token: str | None = None) -> requests.Response:
        return requests.delete(self.url(path), headers=self._auth(token), timeout=10)

    @staticmethod
    def _auth(token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}

    def signup(self, **overrides: Any) -> dict[str, Any]:
        suffix = uuid.uuid4().hex[:10]
        body = {
            "organization_name": f"E2E {suffix}",
            "organization_slug": f"e2e-{suffix}",
            "owner_name": "Eva Owner",
            "email": f"eva-{suffix}@example.com",
            "password": "e2e-password-2026",
            "locale": "en",
            **overrides,
        }
        response = self.post("/api/v1/signup", body)
        _expect(response, 201)
        return {**response.json(), "email": body["email"], "password": body["password"]}

    def confirm_email(self, mailbox: Mailbox, email: str) -> None:
        """Confirm an address with the code of its verification mail (inviting needs one)."""
        token = code_from_mail(mailbox.wait_for(to=email))
        response = self.post("/api/v1/auth/verify-email", {"token": token})
        _expect(response, 204)

    def wait_active(self, access: str, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            me = self.get("/api/v1/me", access).json()
            if me["organization"]["status"] == "active":
                return dict(me)
            time.sleep(0.05)
        raise AssertionError("organization did not become active")

    def wait_served(self, access: str, path: str, timeout: float = 20.0) -> None:
        """Wait until a service answers 200 on ``path`` for this organization.

        Accounts says active once every service provisioned; each service learns
        it from the ``tenant.updated`` event a moment later and may keep the old
        replica row for its short cache (ADR 0008).
        """
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(path, access)
            if response.status_code == 200 or time.monotonic() > deadline:
                _expect(response, 200)
                return
            time.sleep(0.2)
