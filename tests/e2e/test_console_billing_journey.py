"""The owner console's plan page through the gateway, on the organization's own host: fiscal
data, checkout through the local mock's checkout page, the plan reaching dojo (its dojos
limit lifts), then a cancellation in the mock portal taking it back to Free."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

import requests

from .test_billing_journey import FISCAL, dojo


class ConsoleBrowser:
    """Cookies and CSRF tokens like a browser on ``<slug>.localhost``, through the gateway."""

    def __init__(self, gateway: Any, slug: str) -> None:
        self.base = gateway.base
        self.session = requests.Session()
        port = urlsplit(self.base).port or 80
        self.session.headers["Host"] = f"{slug}.localhost:{port}"
        self.token = ""

    def get(self, path: str) -> requests.Response:
        response = self.session.get(self.base + path, allow_redirects=False, timeout=10)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        body = {**data, "csrfmiddlewaretoken": self.token}
        return self.session.post(self.base + path, data=body, allow_redirects=False, timeout=10)


def dojo_answer_until(gateway: Any, token: str, status: int) -> requests.Response:
    """dojo learns the plan from accounts' event a moment later (and its short tenant cache)."""
    deadline = time.monotonic() + 30
    while True:
        answer = dojo(gateway, token)
        if answer.status_code == status or time.monotonic() > deadline:
            return answer
        time.sleep(0.3)


def test_an_owner_upgrades_in_the_console_and_the_dojos_limit_follows(gateway: Any) -> None:
    org = gateway.signup()
    owner = org["tokens"]["access"]
    gateway.wait_active(owner)
    gateway.wait_served(owner, "/api/v1/dojos")
    browser = ConsoleBrowser(gateway, org["organization"]["slug"])
    browser.get("/login/")
    login = browser.post("/login/", {"email": org["email"], "password": org["password"]})
    assert login.status_code == 302, login.text

    page = browser.get("/billing/")
    assert page.status_code == 200 and 'id="billing-mock-mode"' in page.text
    assert browser.post("/billing/fiscal-data/", FISCAL).headers["Location"] == "/billing/"
    browser.get("/billing/")
    started = browser.post("/billing/checkout/", {"plan": "team", "interval": "month"})
    assert started.headers["Location"] == "/billing/mock/checkout/?plan=team&interval=month"

    # Free schedules 4 dojos a month.
    for _ in range(4):
        assert dojo(gateway, owner).status_code == 201
    assert dojo(gateway, owner).json()["error"]["plan"] == "free"

    assert "local simulation" in browser.get(started.headers["Location"]).text
    paid = browser.post("/billing/mock/checkout/", {"plan": "team", "interval": "month"})
    assert paid.headers["Location"] == "/billing/?checkout=success"
    assert 'id="billing-plan">Team<' in browser.get("/billing/").text
    assert dojo_answer_until(gateway, owner, 201).status_code == 201

    assert browser.post("/billing/portal/", {}).headers["Location"] == "/billing/mock/portal/"
    browser.get("/billing/mock/portal/")
    browser.post("/billing/mock/portal/", {"status": "canceled"})
    assert 'id="billing-plan">Free<' in browser.get("/billing/").text
    refused = dojo_answer_until(gateway, owner, 403)
    assert refused.status_code == 403, refused.text
    assert (refused.json()["error"]["limit"], refused.json()["error"]["plan"]) == (
        "dojos_per_month",
        "free",
    )
