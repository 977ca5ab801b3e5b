"""The owner console in a real browser: Debian's Chromium driven by Playwright, organizations
made through the public API, people with two-factor codes, and axe-core's accessibility check.

The suite's fixtures (``conftest.py``) and the screenshot command (``screens.py``) both use it.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyotp
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, expect

from pocdex_shared.testing.gateway import Gateway
from pocdex_shared.testing.mail import Mailbox, code_from_mail
from pocdex_shared.testing.totp import Authenticator

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "var" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = ROOT / "var" / "test-results" / "browser"

# Root in a container: no sandbox (it needs user namespaces), no GPU, /dev/shm is small,
# and nothing reaches out to Google's services (there is no network beyond the registries).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--password-store=basic",
)
#: The fixed viewports: a laptop, and a phone for the pages that must hold at that width.
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
#: How long a page may take to show what a step waits for (a shared 2-core machine).
WAIT_MS = 20_000
LANGUAGES = ("en", "pt-br")
expect.set_options(timeout=WAIT_MS)


def chromium_path() -> str:
    path = os.environ.get("POCDEX_CHROMIUM") or shutil.which("chromium")
    if not path:
        raise RuntimeError("no Chromium: run make bootstrap (Debian's chromium package)")
    return path


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; Playwright downloads no browser of its own."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=list(CHROMIUM_ARGS)
    )


def new_context(browser: Browser, *, language: str = "en", phone: bool = False) -> BrowserContext:
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP,
        locale="pt-BR" if language == "pt-br" else "en-US",
        timezone_id="America/Sao_Paulo",
        accept_downloads=True,
    )
    context.set_default_timeout(WAIT_MS)
    return context


@dataclass
class Person:
    email: str
    password: str = field(repr=False)
    name: str
    totp_secret: str | None = field(default=None, repr=False)
    #: Their authenticator app, once two-factor is on (each step's code is spent once).
    authenticator: Authenticator | None = field(default=None, repr=False)

    def otp(self) -> str:
        """A code accounts accepts now and that this person never sent (``Authenticator``)."""
        if not self.totp_secret:
            raise AssertionError(f"{self.email} has no two-factor")
        if self.authenticator is None or self.authenticator.secret != self.totp_secret:
            self.authenticator = Authenticator(self.totp_secret)
        return self.authenticator.code()

    def wrong_code(self) -> str:
        """Six digits that are no code the server would accept now."""
        return Authenticator(self.totp_secret or pyotp.random_base32()).wrong_code()


@dataclass
class Organization:
    id: str
    slug: str
    name: str
    owner: Person
    owner_access: str = field(repr=False)
    members: list[Person] = field(default_factory=list)

    @property
    def host(self) -> str:
        return f"{self.slug}.localhost:{urlsplit(Gateway().base).port or 80}"

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}{path}"


class Platform:
    """Makes organizations and people through the public API, as a customer would."""

    def __init__(self, gateway: Gateway, mailbox: Mailbox) -> None:
        self.gateway = gateway
        self.mailbox = mailbox

    def organization(
        self, *, language: str = "en", two_factor: bool = True, name: str = ""
    ) -> Organization:
        suffix = uuid.uuid4().hex[:10]
        name = name or (f"Browser {suffix}" if language == "en" else f"Navegador {suffix}")
        signup = self.gateway.signup(
            organization_name=name,
            organization_slug=f"browser-{suffix}",
            owner_name="Olga Owner",
            email=f"olga-{suffix}@example.com",
            password="browser-password-2026",
            locale="pt-BR" if language == "pt-br" else "en",
        )
        access = signup["tokens"]["access"]
        # Every service provisions the organization (a shared, loaded machine: be generous).
        self.gateway.wait_active(access, timeout=90)
        self.gateway.confirm_email(self.mailbox, signup["email"])
        owner = Person(email=signup["email"], password=signup["password"], name="Olga Owner")
        if two_factor:
            self.enable_two_factor(owner, access)
        return Organization(
            id=signup["organization"]["id"],
            slug=signup["organization"]["slug"],
            name=name,
            owner=owner,
            owner_access=access,
        )

    def enable_two_factor(self, person: Person, access: str) -> None:
        started = self.gateway.post("/api/v1/me/totp", {}, access)
        if started.status_code != 200:
            raise AssertionError(started.text)
        person.totp_secret = started.json()["secret"]
        confirmed = self.gateway.post("/api/v1/me/totp/confirm", {"code": person.otp()}, access)
        if confirmed.status_code != 200:
            raise AssertionError(confirmed.text)

    def invite(self, organization: Organization, email: str, role: str) -> Any:
        """The owner invites ``email``. Accounts keeps a person's memberships (and so whether
        their address is confirmed) in each process for a couple of seconds: right after the
        confirmation another process may still answer ``email_unverified`` for that while."""
        deadline = time.monotonic() + 15
        while True:
            invited = self.gateway.post(
                "/api/v1/invitations", {"email": email, "role": role}, organization.owner_access
            )
            stale = invited.status_code == 403 and "email_unverified" in invited.text
            if not stale or time.monotonic() > deadline:
                return invited
            time.sleep(0.3)

    def member(self, organization: Organization, *, role: str = "member") -> Person:
        """Someone invited by the owner who accepted with the code of their mail."""
        suffix = uuid.uuid4().hex[:8]
        person = Person(
            email=f"mia-{suffix}@example.com", password="member-password-2026", name="Mia Member"
        )
        invited = self.invite(organization, person.email, role)
        if invited.status_code != 201:
            raise AssertionError(invited.text)
        token = code_from_mail(self.mailbox.wait_for(to=person.email))
        accepted = self.gateway.post(
            "/api/v1/invitations/accept",
            {"token": token, "name": person.name, "password": person.password},
        )
        if accepted.status_code != 200:
            raise AssertionError(accepted.text)
        organization.members.append(person)
        return person


# --- the console's own steps ----------------------------------------------------------------

#: The console's pages an owner opens, by name (the screenshots' file names): the areas of
#: the navigation and their sub-pages that a GET shows.
OWNER_PAGES: tuple[tuple[str, str], ...] = (
    ("overview", "/"),
    ("members", "/members/"),
    ("billing", "/billing/"),
    ("billing-fiscal-data", "/billing/fiscal-data/"),
    ("billing-mock-checkout", "/billing/mock/checkout/?plan=team&interval=month"),
    ("billing-mock-portal", "/billing/mock/portal/"),
    ("settings", "/settings/"),
    ("audit", "/audit/"),
    ("data", "/data/"),
    ("data-delete", "/data/delete/"),
    ("data-me", "/data/me/"),
)


def set_language(context: BrowserContext, organization: Organization, language: str) -> None:
    """The console's language cookie (what its language switch sets) on that host."""
    context.add_cookies(
        [{"name": "django_language", "value": language, "url": organization.url("/")}]
    )


def html_lang(language: str) -> str:
    return "pt-BR" if language == "pt-br" else language


def login(
    page: Page,
    organization: Organization,
    person: Person,
    *,
    path: str = "/",
    check: Callable[[Page], None] | None = None,
) -> None:
    """Log in on the organization's host: password, then the code when two-factor is on.

    ``check(page)`` runs on the login page and on the code page (e.g. the axe check)."""
    page.goto(organization.url(path))
    if check:
        check(page)
    page.locator("input[name=email]").fill(person.email)
    page.locator("input[name=password]").fill(person.password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    if person.totp_secret:
        code = page.locator("input[name=code]")
        expect(code).to_be_visible()
        if check:
            check(page)
        code.fill(person.otp())
        page.locator("form:has(input[name=code]) button[type=submit]").click()


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


# --- accessibility -------------------------------------------------------------------------

#: Impacts that fail a page; "minor" and "moderate" findings are reported, not fatal.
FATAL_IMPACTS = frozenset({"serious", "critical"})


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now (WCAG 2.x A and AA, best practices).

    The script is evaluated through the DevTools protocol, which the page's strict CSP does
    not govern; the page's own scripts stay under its CSP.
    """
    if not AXE_JS.is_file():
        raise AssertionError("no axe-core at var/browser: run tests/browser/install.sh")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text())
    result: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
            }));
        }"""
    )
    return result


def assert_accessible(page: Page) -> None:
    fatal = [v for v in axe_violations(page) if v["impact"] in FATAL_IMPACTS]
    if fatal:
        lines = [f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in fatal]
        raise AssertionError(f"axe-core on {page.url}:\n" + "\n".join(lines))


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]
