"""Every form of the console refuses a POST without its CSRF token (403), even from the
owner's own logged-in page, and nothing changes; the same POST with the token goes through."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from .console import OWNER_PAGES, login

#: Posts a form's fields from the page itself, with the page's cookies (the session and the
#: CSRF cookie), optionally leaving the token out; answers the status (0 for a redirect).
POST_FORM = """async ({index, overrides, withToken}) => {
    const form = document.querySelectorAll("form[method=post]")[index];
    const data = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
        if (name === "csrfmiddlewaretoken" && !withToken) continue;
        data.append(name, name in overrides ? overrides[name] : value);
    }
    const answer = await fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin", redirect: "manual",
    });
    return answer.status;
}"""


def post_forms_without_token(page: Page, overrides: dict[str, str]) -> list[tuple[str, int]]:
    """(form action, status) for every POST form of the page, each sent without its token."""
    actions: list[str] = page.eval_on_selector_all(
        "form[method=post]", "forms => forms.map(f => f.action)"
    )
    return [
        (
            action,
            page.evaluate(POST_FORM, {"index": i, "overrides": overrides, "withToken": False}),
        )
        for i, action in enumerate(actions)
    ]


def test_posts_without_the_csrf_token_are_refused_and_change_nothing(
    contexts, organization, member, gateway
):
    page = contexts().new_page()
    login(page, organization, organization.owner)
    guest = f"csrf-{uuid.uuid4().hex[:8]}@example.com"
    overrides = {"email": guest, "language": "pt-br", "role": "admin"}

    refused: list[tuple[str, int]] = []
    for _name, path in OWNER_PAGES:
        page.goto(organization.url(path))
        refused += post_forms_without_token(page, overrides)
    actions = {action for action, _status in refused}
    # The forms every page has (language, logout) and those of the areas were all tried.
    for expected in ("/language/", "/logout/", "/members/", "/billing/checkout/", "/data/exports/"):
        assert organization.url(expected) in actions, (expected, sorted(actions))
    assert [r for r in refused if r[1] != 403] == []

    # Nothing happened: no invitation, no role change, still logged in, still in English.
    invitations = gateway.get("/api/v1/invitations", organization.owner_access).json()
    assert guest not in {i["email"] for i in invitations["results"]}
    members = gateway.get("/api/v1/members", organization.owner_access).json()["results"]
    roles = {m["user"]["email"]: m["role"] for m in members}
    assert roles[member.email] == "member"
    page.goto(organization.url("/members/"))
    expect(page.locator("nav a[aria-current=page]")).to_have_attribute("href", "/members/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The same post with the page's token goes through (the refusal was the token's).
    index = page.eval_on_selector_all(
        "form[method=post]", "forms => forms.findIndex(f => f.action.endsWith('/language/'))"
    )
    status = page.evaluate(POST_FORM, {"index": index, "overrides": overrides, "withToken": True})
    assert status == 0  # the redirect back to the page
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")


def test_the_login_form_without_its_token_is_refused(contexts, organization):
    page = contexts().new_page()
    page.goto(organization.url("/login/"))
    overrides = {"email": organization.owner.email, "password": organization.owner.password}
    statuses = {status for _action, status in post_forms_without_token(page, overrides)}
    assert statuses == {403}
    page.goto(organization.url("/members/"))
    expect(page.locator("input[name=password]")).to_be_visible()
