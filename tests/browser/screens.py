"""Screenshots of every page of the owner console, in English and Portuguese, for the docs.

    make screens      # against the running stack (make run)

It makes one organization through the API (an owner with two-factor, a member, a pending
invitation, fiscal data), pays for Team on the mock checkout page and runs an export, so that
the pages show what an owner sees; then it writes docs/screens/owner/<page>.<language>.png
at 1280x800 (the overview also at a phone's 390x844, ``overview-phone``), each reduced to a
small palette. Last it deletes the organization to show the suspended and restore pages, and
restores it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from pocdex_shared.testing.gateway import Gateway
from pocdex_shared.testing.mail import Mailbox

from .console import (
    AXE_JS,
    LANGUAGES,
    OWNER_PAGES,
    ROOT,
    Organization,
    Platform,
    launch,
    login,
    new_context,
    set_language,
)

OUT = ROOT / "docs" / "screens" / "owner"
FISCAL = {
    "legal_name": "Laboratório Ágil Tecnologia Ltda",
    "tax_id": "11.222.333/0001-81",
    "address_line1": "Rua Augusta, 500",
    "city": "São Paulo",
    "state": "SP",
    "postal_code": "01305-000",
}
#: Colors kept in each PNG: plenty for flat UI text, a fraction of the bytes of full color.
PALETTE_COLORS = 64


def save(page: Page, name: str, language: str) -> Path:
    path = OUT / f"{name}.{language}.png"
    page.screenshot(path=path)
    with Image.open(path) as shot:
        small = shot.convert("RGB").quantize(colors=PALETTE_COLORS, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    print(f"  {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")
    return path


def prepare(platform: Platform, browser: Browser) -> tuple[Organization, BrowserContext]:
    organization = platform.organization(name="Laboratório Ágil")
    member = platform.member(organization)
    gateway = platform.gateway
    platform.invite(organization, "bia@example.com", "admin")
    saved = gateway.put("/api/v1/billing/fiscal-data", FISCAL, organization.owner_access)
    if not saved.ok:
        raise RuntimeError(f"fiscal data: {saved.status_code} {saved.text}")
    context = new_context(browser)
    page = context.new_page()
    login(page, organization, organization.owner, path="/billing/")
    page.get_by_role("button", name="Choose Team, monthly").click()
    page.get_by_role("button", name="Confirm the simulated payment").click()
    expect(page.locator("#billing-plan")).to_have_text("Team")
    page.goto(organization.url("/data/"))
    page.locator("form[action$='/data/exports/'] button[type=submit]").click()
    expect(page.locator(".export a.button").first).to_be_visible(timeout=90_000)
    organization.members.append(member)
    return organization, context


def logged_out_pages(browser: Browser, organization: Organization, language: str) -> None:
    context = new_context(browser, language=language)
    set_language(context, organization, language)
    page = context.new_page()
    page.goto(organization.url("/login/"))
    save(page, "login", language)
    page.locator("input[name=email]").fill(organization.owner.email)
    page.locator("input[name=password]").fill(organization.owner.password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(page.locator("input[name=code]")).to_be_visible()
    save(page, "login-code", language)
    context.close()

    # A member is refused.
    context = new_context(browser, language=language)
    set_language(context, organization, language)
    page = context.new_page()
    login(page, organization, organization.members[0])
    save(page, "refused", language)
    context.close()


def owner_pages(
    owner: BrowserContext, browser: Browser, organization: Organization, language: str
) -> None:
    set_language(owner, organization, language)
    page = owner.new_page()
    for name, path in OWNER_PAGES:
        page.goto(organization.url(path))
        save(page, name, language)
    page.goto(organization.url("/members/"))
    page.locator("tr", has_text=organization.members[0].email).locator("a").click()
    save(page, "members-remove", language)
    page.close()

    phone = new_context(browser, language=language, phone=True)
    phone.add_cookies(
        [
            {"name": c["name"], "value": c["value"], "url": organization.url("/")}
            for c in owner.cookies(organization.url("/"))
        ]
    )
    page = phone.new_page()
    page.goto(organization.url("/"))
    save(page, "overview-phone", language)
    phone.close()


def suspended_pages(owner: BrowserContext, browser: Browser, organization: Organization) -> None:
    page = owner.new_page()
    page.goto(organization.url("/data/delete/"))
    page.locator("[name=password]").fill(organization.owner.password)
    page.locator("[name=otp]").fill(organization.owner.otp())
    page.locator("[name=confirmation]").fill(organization.slug)
    page.locator("main form button[type=submit]").click()
    for language in LANGUAGES:
        context = new_context(browser, language=language)
        set_language(context, organization, language)
        visitor = context.new_page()
        visitor.goto(organization.url("/login/"))
        save(visitor, "suspended", language)
        visitor.goto(organization.url("/data/restore/"))
        save(visitor, "restore", language)
        context.close()
    page.goto(organization.url("/data/restore/"))
    page.locator("[name=email]").fill(organization.owner.email)
    page.locator("[name=password]").fill(organization.owner.password)
    page.locator("[name=otp]").fill(organization.owner.otp())
    page.locator("main form button[type=submit]").click()
    expect(page.locator("input[name=password]")).to_be_visible()


def main() -> int:
    if not AXE_JS.parent.is_dir():
        print("run tests/browser/install.sh first", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    platform = Platform(Gateway(), Mailbox())
    with sync_playwright() as driver:
        browser = launch(driver)
        organization, owner = prepare(platform, browser)
        for language in LANGUAGES:
            logged_out_pages(browser, organization, language)
            owner_pages(owner, browser, organization, language)
        suspended_pages(owner, browser, organization)
        browser.close()
    total = sum(p.stat().st_size for p in OUT.glob("*.png"))
    print(
        f"{len(list(OUT.glob('*.png')))} screenshots, {total // 1024} KB in {OUT.relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
