"""Logging in to the owner console: password then the authenticator's code, the refusal a
member sees, a session that is worthless on another organization's host, the language."""

from __future__ import annotations

from playwright.sync_api import expect

from .console import login, path_of


def test_owner_logs_in_with_password_and_code_and_lands_where_they_were_going(
    contexts, organization, axe
):
    page = contexts().new_page()
    page.goto(organization.url("/members/"))
    # Not logged in: the login page, which remembers where the owner was going.
    expect(page.locator("input[name=password]")).to_be_visible()
    assert page.locator("main input[name=next]").input_value() == "/members/"
    expect(page.locator("h1")).to_contain_text(organization.name)
    axe(page)

    page.locator("input[name=email]").fill(organization.owner.email)
    page.locator("input[name=password]").fill(organization.owner.password)
    page.get_by_role("button", name="Log in").click()

    # Two-factor is on: a code is asked; a wrong one is refused next to the field.
    code = page.locator("input[name=code]")
    expect(code).to_be_visible()
    axe(page)
    code.fill(organization.owner.wrong_code())
    page.locator("form:has(input[name=code]) button[type=submit]").click()
    expect(page.locator(".field__errors")).to_contain_text("not valid")
    described = page.locator("input[name=code]").get_attribute("aria-describedby") or ""
    assert "errors" in described
    axe(page)

    page.locator("input[name=code]").fill(organization.owner.otp())
    page.locator("form:has(input[name=code]) button[type=submit]").click()
    expect(page.locator("nav a[aria-current=page]")).to_have_attribute("href", "/members/")
    assert path_of(page) == "/members/"
    expect(page.locator("header")).to_contain_text(organization.name)
    axe(page)

    # Logging out ends the session: the console asks for the password again.
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("input[name=password]")).to_be_visible()
    page.goto(organization.url("/members/"))
    expect(page.locator("input[name=password]")).to_be_visible()


def test_a_member_is_refused_with_a_clear_page_and_a_way_to_log_out(
    contexts, organization, member, axe
):
    page = contexts().new_page()
    login(page, organization, member)
    refusal = page.locator("main")
    expect(refusal).to_contain_text("owners and admins")
    expect(page.locator("nav a")).to_have_count(0)
    axe(page)
    # No session was opened for them: the console's pages still ask for a login.
    page.goto(organization.url("/members/"))
    expect(page.locator("input[name=password]")).to_be_visible()
    expect(page.get_by_text(organization.owner.email)).to_have_count(0)


def test_another_organizations_session_cookie_does_not_open_this_host(
    contexts, platform, organization
):
    other = platform.organization()
    theirs = contexts().new_page()
    login(theirs, other, other.owner)
    expect(theirs.locator("nav a[aria-current=page]")).to_be_visible()
    cookies = theirs.context.cookies(other.url("/"))
    assert cookies, "the other owner's login set no cookie"

    # The same cookies on their own host open their console (the copy itself works) ...
    on_their_host = contexts()
    on_their_host.add_cookies(
        [{"name": c["name"], "value": c["value"], "url": other.url("/")} for c in cookies]
    )
    page = on_their_host.new_page()
    page.goto(other.url("/members/"))
    expect(page.locator("nav a[aria-current=page]")).to_have_attribute("href", "/members/")

    # ... but on this organization's host they are as good as none.
    on_this_host = contexts()
    on_this_host.add_cookies(
        [{"name": c["name"], "value": c["value"], "url": organization.url("/")} for c in cookies]
    )
    page = on_this_host.new_page()
    page.goto(organization.url("/members/"))
    expect(page.locator("input[name=password]")).to_be_visible()
    expect(page.get_by_text(other.owner.email)).to_have_count(0)
    expect(page.get_by_text(other.name)).to_have_count(0)


def test_the_owner_switches_the_console_to_portuguese(contexts, organization, axe):
    page = contexts().new_page()
    login(page, organization, organization.owner)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("select[name=language]").select_option("pt-br")
    page.locator("form:has(select[name=language]) button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    expect(page.get_by_role("button", name="Sair")).to_be_visible()
    axe(page)
