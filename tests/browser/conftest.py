"""Fixtures of the browser suite: one Chromium per run, a fresh context (cookies, language,
viewport) per test, organizations made through the API, and a screenshot of every open page
of a failed test under var/test-results/browser/."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from pocdex_shared.testing.gateway import Gateway
from pocdex_shared.testing.mail import Mailbox

from .console import (
    AXE_JS,
    RESULTS,
    Organization,
    Person,
    Platform,
    assert_accessible,
    launch,
    new_context,
    safe_name,
)


@pytest.fixture(scope="session")
def gateway() -> Gateway:
    gateway = Gateway()
    try:
        requests.get(gateway.url("/healthz/accounts"), timeout=5).raise_for_status()
    except requests.RequestException as exc:  # the platform must be running: make run
        pytest.fail(f"the platform is not running at {gateway.base}: {exc}")
    return gateway


@pytest.fixture(scope="session")
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture(scope="session")
def platform(gateway: Gateway, mailbox: Mailbox) -> Platform:
    return Platform(gateway, mailbox)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not AXE_JS.is_file():
        pytest.fail("no axe-core at var/browser: run tests/browser/install.sh (make test-browser)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch(playwright)
    yield browser
    browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def contexts(
    browser: Browser, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """``contexts(language="pt-br", phone=False)``: a new browser context (its own cookies)."""
    made: list[BrowserContext] = []

    def make(**options: object) -> BrowserContext:
        context = new_context(browser, **options)  # type: ignore[arg-type]
        made.append(context)
        return context

    yield make
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        RESULTS.mkdir(parents=True, exist_ok=True)
        for c, context in enumerate(made):
            for p, page in enumerate(context.pages):
                name = safe_name(f"{request.node.name}-{c}-{p}") + ".png"
                page.screenshot(path=RESULTS / name, full_page=True)
    for context in made:
        context.close()


@pytest.fixture
def page(contexts: Callable[..., BrowserContext]) -> Page:
    return contexts().new_page()


@pytest.fixture
def organization(platform: Platform) -> Organization:
    """A fresh organization whose owner has a confirmed address and two-factor on."""
    return platform.organization()


@pytest.fixture
def member(platform: Platform, organization: Organization) -> Person:
    return platform.member(organization)


@pytest.fixture
def axe() -> Callable[[Page], None]:
    """``axe(page)`` fails the test on any serious or critical axe-core violation."""
    return assert_accessible
