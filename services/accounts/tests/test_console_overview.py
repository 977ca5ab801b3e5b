"""The owner console's overview: plan, status, renewal and usage from every service.

pocs, dojo and media answer over real HTTP from ``usage_standins`` (their own
counting is tested in their suites, the whole chain in tests/e2e/test_usage_journey.py).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import Subscription
from console.access import SESSION_LAST_SEEN, SESSION_ORGANIZATION
from organizations.models import Invitation, Organization

from .console_support import console_client, console_login, make_console_team
from .usage_standins import StandIns, usage_stand_ins

pytestmark = pytest.mark.django_db

GIB = 1024**3


def closed_port_url() -> str:
    """``http://127.0.0.1:<port>`` where nothing listens: a real connection refused."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def services(settings: Any) -> Iterator[StandIns]:
    with usage_stand_ins() as stand_ins:
        settings.LGPD_SERVICE_URLS = stand_ins.urls
        yield stand_ins


def fill(services: StandIns, organization: Organization, *, pocs: int = 3, dojos: int = 1) -> None:
    services["pocs"].set(organization.pk, pocs=(pocs, 200), attachment_bytes=(512 * 1024, GIB))
    services["dojo"].set(organization.pk, dojos_per_month=(dojos, 4))
    services["media"].set(organization.pk, reports_per_month=(2, 2), videos_per_month=(0, 1))


def logged_in(team: dict[str, Any], role: str = "owner") -> Client:
    return console_login(console_client(team["slug"]), team[role].email)


def item(html: str, name: str) -> str:
    """The markup of one usage item (``<li id="usage-<name>">``)."""
    found = re.search(rf'<li class="[^"]*" id="usage-{name}".*?</li>', html, re.S)
    assert found, f"no usage item {name}"
    return found.group(0)


def meter(html: str, name: str) -> dict[str, str]:
    found = re.search(rf'<meter id="meter-{name}"([^>]*)>', html)
    assert found, f"no meter for {name}"
    return dict(re.findall(r'([\w-]+)="([^"]*)"', found.group(1)))


def test_an_owner_sees_plan_status_and_every_limit_with_its_meter(
    console_team: dict[str, Any], services: StandIns
) -> None:
    organization = console_team["organization"]
    fill(services, organization)
    Invitation.objects.create(
        organization=organization,
        email="soon@example.com",
        role="member",
        invited_by=console_team["owner"],
        expires_at=timezone.now() + timedelta(days=3),
    )

    page = logged_in(console_team).get("/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="overview-plan-name">Free<' in html
    assert 'id="overview-status">No subscription (Free)<' in html
    assert 'href="/billing/"' in html and 'id="overview-upgrade"' in html
    # Owner, admin, member and a pending invitation: the seats the members limit counts.
    assert "4 of 5 members" in item(html, "members")
    assert meter(html, "members") == {
        "min": "0",
        "max": "5",
        "value": "4",
        "high": "4.0",
        "optimum": "0",
        "aria-describedby": "usage-text-members",
    }
    assert "3 of 200 POCs" in item(html, "pocs")
    assert (meter(html, "pocs")["value"], meter(html, "pocs")["max"]) == ("3", "200")
    assert "512.0\xa0KB of 1.0\xa0GB used" in item(html, "attachment_bytes")
    assert "1 of 4 dojos" in item(html, "dojos_per_month")
    assert "2 of 2 reports" in item(html, "reports_per_month")
    assert "Limit reached" in item(html, "reports_per_month")
    assert "Limit reached" not in item(html, "videos_per_month")
    assert "0 of 1 video" in item(html, "videos_per_month")
    assert '<label class="usage-item__label" for="meter-pocs">POCs</label>' in html
    assert 'id="overview-partial"' not in html
    # The console's CSP allows no inline code: none in the page.
    assert not re.search(r"\sstyle\s*=|<style|<script(?![^>]*\bsrc=)|\son[a-z]+\s*=", html)
    assert page["Content-Security-Policy"].startswith("default-src 'self'")
    # Every service was asked about this organization only, each once.
    for service in ("pocs", "dojo", "media"):
        assert services[service].asked == [str(organization.pk)]


def test_an_admin_gets_in_and_a_member_is_refused(
    console_team: dict[str, Any], services: StandIns
) -> None:
    fill(services, console_team["organization"])
    assert logged_in(console_team, "admin").get("/").status_code == 200

    # A member's session on this host (however it was made) opens nothing here.
    member = console_team["member"]
    client = console_client(console_team["slug"])
    client.force_login(member)
    session = client.session
    session[SESSION_ORGANIZATION] = str(console_team["organization"].pk)
    session[SESSION_LAST_SEEN] = time.time()
    session.save()
    refused = client.get("/")
    assert refused.status_code == 403
    assert "usage-pocs" not in refused.content.decode()
    anonymous = console_client(console_team["slug"]).get("/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    # Members were never counted for them.
    assert services["pocs"].asked == [str(console_team["organization"].pk)]


def test_another_organizations_usage_is_never_shown(
    console_team: dict[str, Any], services: StandIns, signup: Any
) -> None:
    mine = console_team["organization"]
    other = make_console_team(signup)
    fill(services, mine, pocs=3)
    fill(services, other["organization"], pocs=77, dojos=3)

    theirs = logged_in(other).get("/").content.decode()
    assert "77 of 200 POCs" in item(theirs, "pocs")
    assert "3 of 4 dojos" in item(theirs, "dojos_per_month")
    assert services["pocs"].times_asked(mine.pk) == 0

    html = logged_in(console_team).get("/").content.decode()
    assert "3 of 200 POCs" in item(html, "pocs") and "77 of 200" not in html
    # Their owner's session is worth nothing on this organization's host.
    stray = console_client(console_team["slug"])
    stray.cookies = logged_in(other).cookies
    answer = stray.get("/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")


def test_a_service_that_does_not_answer_leaves_its_items_unavailable(
    console_team: dict[str, Any], services: StandIns, settings: Any
) -> None:
    settings.USAGE_CACHE_SECONDS = 0  # the second look below asks again
    fill(services, console_team["organization"])
    settings.LGPD_SERVICE_URLS = {**services.urls, "pocs": closed_port_url()}

    page = logged_in(console_team).get("/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="overview-partial"' in html
    for name in ("pocs", "attachment_bytes"):
        assert "Unavailable right now" in item(html, name)
        assert f'id="meter-{name}"' not in html
    assert "1 of 4 dojos" in item(html, "dojos_per_month")
    assert "2 of 2 reports" in item(html, "reports_per_month")
    assert "3 of 5 members" in item(html, "members")

    # A service that answers an error is unavailable too, not a broken page.
    settings.LGPD_SERVICE_URLS = services.urls
    services["dojo"].usage.clear()  # this organization is unknown there: 404
    html = logged_in(console_team).get("/").content.decode()
    assert "Unavailable right now" in item(html, "dojos_per_month")
    assert "3 of 200 POCs" in item(html, "pocs")


def test_a_service_slower_than_the_timeout_is_unavailable_and_the_others_shown(
    console_team: dict[str, Any], services: StandIns, settings: Any
) -> None:
    settings.USAGE_TIMEOUT_SECONDS = 0.5
    fill(services, console_team["organization"])
    services["media"].hold()  # media answers only once the page has given up on it

    page = logged_in(console_team).get("/")

    services["media"].release()
    html = page.content.decode()
    assert page.status_code == 200 and 'id="overview-partial"' in html
    assert "Unavailable right now" in item(html, "reports_per_month")
    assert "Unavailable right now" in item(html, "videos_per_month")
    assert "3 of 200 POCs" in item(html, "pocs")
    assert "1 of 4 dojos" in item(html, "dojos_per_month")


def test_answers_are_cached_briefly_per_organization(
    console_team: dict[str, Any], services: StandIns
) -> None:
    organization = console_team["organization"]
    fill(services, organization, pocs=3)
    owner = logged_in(console_team)
    assert "3 of 200 POCs" in item(owner.get("/").content.decode(), "pocs")

    services["pocs"].set(organization.pk, pocs=(9, 200))
    cached = owner.get("/").content.decode()
    assert "3 of 200 POCs" in item(cached, "pocs")  # within USAGE_CACHE_SECONDS
    assert services["pocs"].times_asked(organization.pk) == 1


def test_without_the_cache_the_numbers_follow_the_services(
    console_team: dict[str, Any], services: StandIns, settings: Any
) -> None:
    settings.USAGE_CACHE_SECONDS = 0
    organization = console_team["organization"]
    fill(services, organization, pocs=3)
    owner = logged_in(console_team)
    assert "3 of 200 POCs" in item(owner.get("/").content.decode(), "pocs")
    services["pocs"].set(organization.pk, pocs=(9, 200))
    assert "9 of 200 POCs" in item(owner.get("/").content.decode(), "pocs")
    assert services["pocs"].times_asked(organization.pk) == 2


def test_a_paying_organization_shows_its_renewal_and_unlimited_items(
    console_team: dict[str, Any], services: StandIns
) -> None:
    organization = console_team["organization"]
    organization.plan = "business"
    organization.save(update_fields=["plan"])
    now = timezone.now()
    renews = now + timedelta(days=20)
    Subscription.objects.create(
        organization=organization,
        provider_subscription_id=f"sub_{uuid.uuid4().hex[:12]}",
        status="active",
        plan="business",
        interval="month",
        amount=79_900,
        current_period_end=renews,
        provider_created_at=now,
        state_at=now,
    )
    services["pocs"].set(organization.pk, pocs=(1234, None), attachment_bytes=(0, 500 * GIB))
    services["dojo"].set(organization.pk, dojos_per_month=(5, None))
    services["media"].set(organization.pk, reports_per_month=(1, None), videos_per_month=(1, 100))

    html = logged_in(console_team).get("/").content.decode()

    assert 'id="overview-plan-name">Business<' in html
    assert 'id="overview-status">Active<' in html
    shown = re.search(r'<dd id="overview-renewal"><time datetime="([^"]+)"', html)
    assert shown and datetime.fromisoformat(shown.group(1)) == renews
    assert "Renews on" in html
    assert "1,234 POCs, unlimited" in item(html, "pocs")
    assert 'id="meter-pocs"' not in html
    assert "5 dojos, unlimited" in item(html, "dojos_per_month")
    assert "1 report, unlimited" in item(html, "reports_per_month")
    assert "3 of 200 members" in item(html, "members")


def test_the_overview_speaks_portuguese(console_team: dict[str, Any], services: StandIns) -> None:
    fill(services, console_team["organization"])
    client = logged_in(console_team)
    switched = client.post("/language/", {"language": "pt-br", "next": "/"})
    assert switched.status_code == 302
    html = client.get("/").content.decode()
    assert "3 de 200 POCs" in item(html, "pocs")
    assert "Limite atingido" in item(html, "reports_per_month")
