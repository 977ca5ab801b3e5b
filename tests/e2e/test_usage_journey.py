"""Usage through the gateway: POCs, an attachment and a dojo created over the API appear on the
owner console's overview (accounts asking pocs, dojo and media over their internal API), and
another organization's overview shows none of them."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

import requests

from pocdex_shared.testing.gateway import Gateway


class Console:
    """A browser on the organization's host (``<slug>.localhost``), through the gateway."""

    def __init__(self, gateway: Gateway, slug: str) -> None:
        self.gateway = gateway
        port = urlsplit(gateway.base).port or 80
        self.host = f"{slug}.localhost:{port}"
        self.session = requests.Session()

    def get(self, path: str) -> requests.Response:
        return self.session.get(
            self.gateway.url(path), headers={"Host": self.host}, timeout=20, allow_redirects=False
        )

    def login(self, email: str, password: str) -> None:
        page = self.get("/login/")
        assert page.status_code == 200, page.text[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, "no CSRF token on the login page"
        answer = self.session.post(
            self.gateway.url("/login/"),
            data={"csrfmiddlewaretoken": token.group(1), "email": email, "password": password},
            headers={"Host": self.host, "Referer": f"http://{self.host}/login/"},
            timeout=20,
            allow_redirects=False,
        )
        assert answer.status_code == 302, answer.text[:2000]


def item_text(html: str, name: str) -> str:
    found = re.search(
        rf'<li class="[^"]*" id="usage-{name}".*?<span class="usage-item__text"[^>]*>([^<]*)</span>',
        html,
        re.S,
    )
    assert found, f"no usage item {name}"
    return found.group(1).replace("\xa0", " ")


def overview(console: Console, expected: dict[str, str], timeout: float = 30.0) -> str:
    """The overview once every item reads as expected (a new organization's replicas may lag)."""
    deadline = time.monotonic() + timeout
    while True:
        page = console.get("/")
        assert page.status_code == 200, page.text[:1000]
        seen = {name: item_text(page.text, name) for name in expected}
        if seen == expected or time.monotonic() > deadline:
            assert seen == expected
            return page.text
        time.sleep(0.5)


def organization(gateway: Gateway) -> dict[str, Any]:
    org = gateway.signup()
    owner = org["tokens"]["access"]
    gateway.wait_active(owner)
    gateway.wait_served(owner, "/api/v1/pocs")
    gateway.wait_served(owner, "/api/v1/dojos")
    return org


def test_the_overview_counts_what_the_organization_created_in_every_service(
    gateway: Gateway,
) -> None:
    org = organization(gateway)
    other = organization(gateway)
    owner = org["tokens"]["access"]
    pocs = []
    for name in ("Motor de regras", "Fila de eventos"):
        created = gateway.post("/api/v1/pocs", {"name": name}, owner)
        assert created.status_code == 201, created.text
        pocs.append(created.json())
    upload = gateway.post(
        f"/api/v1/pocs/{pocs[0]['id']}/attachments",
        {"filename": "notes.md", "content_type": "text/markdown", "size": 2048},
        owner,
    )
    assert upload.status_code == 201, upload.text
    body = {
        "title": "Boliche",
        "kata": "# Boliche",
        "language": "Python",
        "scheduled_at": "2030-01-01T19:00:00Z",
    }
    assert gateway.post("/api/v1/dojos", body, owner).status_code == 201

    console = Console(gateway, org["organization"]["slug"])
    console.login(org["email"], org["password"])
    html = overview(
        console,
        {
            "members": "1 of 5 members",
            "pocs": "2 of 200 POCs",
            "attachment_bytes": "2.0 KB of 1.0 GB used",
            "dojos_per_month": "1 of 4 dojos",
            "reports_per_month": "0 of 2 reports",
            "videos_per_month": "0 of 1 video",
        },
    )
    assert 'id="overview-plan-name">Free<' in html
    assert 'id="overview-partial"' not in html

    theirs = Console(gateway, other["organization"]["slug"])
    theirs.login(other["email"], other["password"])
    overview(
        theirs,
        {"pocs": "0 of 200 POCs", "attachment_bytes": "0 bytes of 1.0 GB used"},
    )
    # The first organization's session is worthless on the other's host.
    stray = Console(gateway, other["organization"]["slug"])
    stray.session.cookies = console.session.cookies
    assert stray.get("/").status_code == 302
