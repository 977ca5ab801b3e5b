"""What an owner does in the console, end to end: invite someone (and the mail arrives), pay
for a plan through checkout (and another service lets them do more), download an invoice,
export everything, delete the organization and restore it."""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from pathlib import Path

from playwright.sync_api import expect

from .console import login, path_of

FISCAL = {
    "legal_name": "Navegador Tecnologia Ltda",
    "tax_id": "529.982.247-25",
    "address_line1": "Rua Augusta, 500",
    "city": "São Paulo",
    "state": "SP",
    "postal_code": "01305-000",
}


def schedule_dojo(gateway, access):
    body = {
        "title": "Boliche",
        "kata": "# Boliche",
        "language": "Python",
        "scheduled_at": "2030-01-01T19:00:00Z",
    }
    return gateway.post("/api/v1/dojos", body, access)


def test_owner_invites_someone_and_the_invitation_mail_arrives(
    contexts, organization, mailbox, axe
):
    page = contexts().new_page()
    login(page, organization, organization.owner, path="/members/")
    axe(page)
    guest = f"gil-{uuid.uuid4().hex[:8]}@example.com"
    invite = page.locator("form:has(button:text('Send invitation'))")
    invite.get_by_label("Email").fill(guest)
    invite.get_by_label("Role").select_option("admin")
    invite.get_by_role("button", name="Send invitation").click()

    expect(page.locator("[role=status]")).to_contain_text(guest)
    pending = page.locator("section[aria-labelledby=invitations-heading] tr", has_text=guest)
    expect(pending).to_contain_text("Admin")
    axe(page)

    mail = mailbox.wait_for(to=guest)
    assert organization.name in mail["text"]
    # The mail catcher's inbox, as a person reads it in the browser.
    inbox = contexts().new_page()
    inbox.goto("http://127.0.0.1:8025/")
    expect(inbox.locator("body")).to_contain_text(guest)


def test_owner_upgrades_through_checkout_and_dojo_lets_them_schedule_more(
    contexts, organization, platform, gateway, axe
):
    access = organization.owner_access
    gateway.wait_served(access, "/api/v1/dojos", timeout=60)
    for _ in range(4):  # Free schedules 4 dojos a month.
        assert schedule_dojo(gateway, access).status_code == 201
    refused = schedule_dojo(gateway, access)
    assert refused.status_code == 403, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["limit"], error["plan"]) == (
        "plan_limit_reached",
        "dojos_per_month",
        "free",
    )

    page = contexts().new_page()
    login(page, organization, organization.owner, path="/billing/")
    expect(page.locator("#billing-plan")).to_have_text("Free")
    expect(page.locator("#billing-mock-mode")).to_be_visible()
    axe(page)

    # Choosing a plan without fiscal data asks for it first, then goes on to checkout.
    page.get_by_role("button", name="Choose Team, monthly").click()
    assert path_of(page) == "/billing/fiscal-data/"
    axe(page)
    for name, value in FISCAL.items():
        page.locator(f"[name={name}]").fill(value)
    page.get_by_role("button", name="Save the fiscal data").click()
    expect(page.locator("[role=status]")).to_contain_text("fiscal data was saved")
    page.get_by_role("button", name="Choose Team, monthly").click()

    assert path_of(page) == "/billing/mock/checkout/"
    expect(page.locator("main")).to_contain_text("R$")
    axe(page)
    page.get_by_role("button", name="Confirm the simulated payment").click()
    expect(page.locator("#billing-plan")).to_have_text("Team")
    expect(page.locator("[role=status]")).to_contain_text("Team")
    axe(page)

    # dojo learns the plan from accounts' tenant.updated event a moment later.
    deadline = time.monotonic() + 30
    while True:
        answer = schedule_dojo(gateway, access)
        if answer.status_code == 201 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert answer.status_code == 201, answer.text

    # The invoice of the payment: its link downloads the PDF.
    page.reload()
    pdf_link = page.locator("a.invoice-pdf").first
    expect(pdf_link).to_be_visible()
    href = pdf_link.get_attribute("href")
    assert href and href.startswith("/billing/")
    with page.expect_download() as started:
        pdf_link.click()
    pdf = Path(started.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert started.value.suggested_filename.endswith(".pdf")

    # The same invoice asked on another organization's host, by its owner: not found.
    other = platform.organization()
    theirs = contexts().new_page()
    login(theirs, other, other.owner, path="/billing/")
    answer = theirs.goto(other.url(href))
    assert answer is not None and answer.status == 404


def test_owner_exports_everything_and_watches_it_finish(contexts, organization, axe):
    page = contexts().new_page()
    login(page, organization, organization.owner, path="/data/")
    axe(page)
    page.get_by_role("button", name="Start an export").click()
    expect(page.locator("[role=status]")).not_to_be_empty()
    export = page.locator(".export").first
    # Progress while it runs (console.js polls the row), then the link, without a reload.
    download = export.locator("a", has_text="Download the archive")
    expect(download).to_be_visible(timeout=90_000)
    axe(page)
    href = download.get_attribute("href")
    assert href
    archive = page.context.request.get(href)
    assert archive.status == 200, archive.status
    with zipfile.ZipFile(io.BytesIO(archive.body())) as bundle:
        names = bundle.namelist()
    assert any(name.startswith("accounts/") for name in names), names


def test_owner_deletes_the_organization_and_restores_it(contexts, organization, gateway, axe):
    page = contexts().new_page()
    login(page, organization, organization.owner, path="/data/")
    page.get_by_role("link", name="Delete the organization…").click()
    assert path_of(page) == "/data/delete/"
    axe(page)

    # A wrong confirmation is refused and nothing happens (the code is checked after it,
    # and is not spent: the same code then deletes).
    code = organization.owner.otp()
    page.locator("[name=password]").fill(organization.owner.password)
    page.locator("[name=otp]").fill(code)
    page.locator("[name=confirmation]").fill("not-" + organization.slug)
    page.get_by_role("button", name="Delete the organization").click()
    expect(page.locator(".field--invalid")).to_contain_text("address")
    axe(page)
    assert gateway.get("/api/v1/me", organization.owner_access).status_code == 200

    page.locator("[name=password]").fill(organization.owner.password)
    page.locator("[name=otp]").fill(code)
    page.locator("[name=confirmation]").fill(organization.slug)
    page.get_by_role("button", name="Delete the organization").click()

    # Suspended: the console says so and offers the restore; the API refuses its tokens.
    expect(page.locator("h1")).to_have_text("This organization is suspended")
    axe(page)
    # Accounts' other processes learn it within their short membership cache.
    deadline = time.monotonic() + 30
    while True:
        me = gateway.get("/api/v1/me", organization.owner_access)
        if me.status_code != 200 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert me.status_code in (401, 403), me.text

    page.get_by_role("link", name="Restore the organization").click()
    assert path_of(page) == "/data/restore/"
    axe(page)
    page.locator("[name=email]").fill(organization.owner.email)
    page.locator("[name=password]").fill(organization.owner.password)
    page.locator("[name=otp]").fill(organization.owner.otp())
    page.get_by_role("button", name="Restore the organization").click()
    expect(page.locator("[role=status]")).to_contain_text("restored")

    # Active again: the login page asks for the password instead of showing the suspension.
    page.goto(organization.url("/members/"))
    expect(page.locator("input[name=password]")).to_be_visible()
    expect(page.locator("h1")).not_to_have_text("This organization is suspended")
