"""The back office's usage per organization (/admin/business/usage/<id>/): the services' counts."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from identity.models import User
from organizations.models import Organization

from .usage_standins import StandIns, usage_stand_ins

pytestmark = pytest.mark.django_db


@pytest.fixture
def services(settings: Any) -> Iterator[StandIns]:
    with usage_stand_ins() as stand_ins:
        settings.LGPD_SERVICE_URLS = stand_ins.urls
        yield stand_ins


@pytest.fixture
def staff_client() -> Client:
    staff = User.objects.create_superuser("boss-usage@example.com", "staff-password-123")
    client = Client()
    client.force_login(staff)
    return client


def row(html: str, name: str) -> list[str]:
    found = re.search(rf'<tr class="usage-row" id="usage-{name}">(.*?)</tr>', html, re.S)
    assert found, f"no row {name}"
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", found.group(1), re.S)
    ]


def test_staff_see_one_organizations_usage_from_every_service(
    signup: Any, services: StandIns, staff_client: Client
) -> None:
    mine = Organization.objects.get(pk=signup()["organization"]["id"])
    other = Organization.objects.get(pk=signup()["organization"]["id"])
    services["pocs"].set(mine.pk, pocs=(12, 200), attachment_bytes=(0, 1024**3))
    services["dojo"].set(mine.pk, dojos_per_month=(4, 4))
    services["media"].set(mine.pk, reports_per_month=(0, 2), videos_per_month=(1, 1))
    services["pocs"].set(other.pk, pocs=(99, 200), attachment_bytes=(5, 1024**3))

    listing = staff_client.get("/admin/business/")
    assert f'href="/admin/business/usage/{mine.pk}/"' in listing.content.decode()

    page = staff_client.get(f"/admin/business/usage/{mine.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert row(html, "pocs") == ["POCs", "12", "200", "12 of 200 POCs"]
    assert row(html, "dojos_per_month") == [
        "Dojos this month",
        "4",
        "4",
        "4 of 4 dojos · Limit reached",
    ]
    assert row(html, "members")[1:3] == ["1", "5"]
    assert "99 of 200" not in html
    assert services["pocs"].asked == [str(mine.pk)]
    assert 'id="usage-partial"' not in html
    assert not re.search(r"\sstyle\s*=|<style|<script(?![^>]*\bsrc=)", html)


def test_an_unanswering_service_or_unknown_organization_is_said_plainly(
    signup: Any, services: StandIns, staff_client: Client, settings: Any
) -> None:
    organization = Organization.objects.get(pk=signup()["organization"]["id"])
    services["pocs"].set(organization.pk, pocs=(1, 200), attachment_bytes=(0, 1024**3))
    services["dojo"].set(organization.pk, dojos_per_month=(0, 4))
    # media does not know it: 404 from the service, so its items are unavailable.
    html = staff_client.get(f"/admin/business/usage/{organization.pk}/").content.decode()
    assert 'id="usage-partial"' in html
    assert row(html, "videos_per_month")[1] == "—"
    assert row(html, "pocs")[1] == "1"

    assert staff_client.get(f"/admin/business/usage/{uuid.uuid4()}/").status_code == 404


def test_only_staff_open_the_usage_page(signup: Any, services: StandIns) -> None:
    data = signup()
    owner = User.objects.get(email=data["email"])
    client = Client()
    client.force_login(owner)
    answer = client.get(f"/admin/business/usage/{data['organization']['id']}/")
    assert answer.status_code == 302 and "/admin/login/" in answer["Location"]
    assert services["pocs"].asked == []
