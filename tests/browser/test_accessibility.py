"""axe-core on every page of the console, in both languages: no serious or critical violation.

The journeys check the pages they pass through (login, code step, refusal, suspended,
restore, checkout); this file opens every page an owner can reach, plus a member's removal
page and the pages of someone not logged in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .console import LANGUAGES, OWNER_PAGES, html_lang, login, path_of, set_language


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_owner_page_has_no_serious_accessibility_violation(
    contexts, organization, member, language, axe
):
    context = contexts(language=language)
    set_language(context, organization, language)
    page = context.new_page()

    # Not logged in: the restore page (public, nothing to restore), the login and code steps.
    page.goto(organization.url("/data/restore/"))
    expect(page.locator("html")).to_have_attribute("lang", html_lang(language))
    axe(page)
    login(page, organization, organization.owner, check=axe)

    checked = []
    for name, path in OWNER_PAGES:
        answer = page.goto(organization.url(path))
        assert answer is not None and answer.status == 200, (name, answer and answer.status)
        expect(page.locator("html")).to_have_attribute("lang", html_lang(language))
        expect(page.locator("h1")).not_to_be_empty()
        axe(page)
        checked.append(name)

    # A member's removal page (a confirmation) is reached from the members list.
    page.goto(organization.url("/members/"))
    page.locator("tr", has_text=member.email).locator("a").click()
    assert path_of(page).endswith("/remove")
    expect(page.locator("main")).to_contain_text(member.name)
    axe(page)
    assert len(checked) == len(OWNER_PAGES)


def test_the_check_fails_a_page_with_a_critical_violation(page, axe):
    """The check itself can fail: a field without a label is a critical violation."""
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Form</title></head>'
        '<body><main><h1>Form</h1><input type="text" name="email"></main></body></html>'
    )
    with pytest.raises(AssertionError, match="critical: label"):
        axe(page)
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Form</title></head><body><main><h1>Form</h1>'
        '<label for="email">Email</label><input id="email" type="text" name="email">'
        "</main></body></html>"
    )
    axe(page)


def test_the_console_fits_a_phone_screen(contexts, organization, member, axe):
    """At a phone's width every owner page fits without sideways scrolling (wide tables
    scroll inside their own box) and stays accessible."""
    page = contexts(phone=True).new_page()
    login(page, organization, organization.owner)
    for name, path in OWNER_PAGES:
        page.goto(organization.url(path))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (name, overflow)
        axe(page)
