"""The console's audit log: the organization's trail, newest first, filtered and paged."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_record
from organizations.models import Membership, Organization, Role
from pocdex_shared.tenancy.provisioning import provision_schema
from pocdex_shared.tenancy.scope import Require, tenant_scope

from .console_support import console_client, console_login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _schema(console_team: dict[str, Any]) -> None:
    provision_schema(console_team["organization"])


def logged_in(team: dict[str, Any], who: str) -> Client:
    """A session of ``who`` (a member's is an admin's, demoted since: members cannot log in)."""
    demoted = who == "member"
    client = console_login(console_client(team["slug"]), team["admin" if demoted else who].email)
    if demoted:
        Membership.objects.filter(organization=team["organization"], user=team["admin"]).update(
            role=Role.MEMBER
        )
    return client


def record(
    organization: Organization,
    action: str,
    *,
    actor: Any = None,
    target: str = "",
    at: datetime | None = None,
) -> None:
    audit_record(
        organization=organization,
        actor_id=actor.id if actor is not None else None,
        action=action,
        target=target,
    )
    if at is not None:
        with tenant_scope(tenant=organization, require=Require.ANY):
            latest = AuditEntry.objects.order_by("-id").first()
            assert latest is not None
            AuditEntry.objects.filter(pk=latest.pk).update(created_at=at)


def rows(html: str) -> list[list[str]]:
    """The table's cells, row by row, top to bottom."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    cells = (re.findall(r"<td>(.*?)</td>", row, re.S) for row in body.split("</tr>"))
    return [row for row in cells if len(row) >= 4]


def targets(html: str) -> list[str]:
    """The "Concerning" column, top to bottom."""
    return [row[3] for row in rows(html)]


def test_entries_are_newest_first_with_their_actor_and_a_readable_action(console_team):
    organization = console_team["organization"]
    record(
        organization, "invitation.created", actor=console_team["owner"], target="first@example.com"
    )
    record(organization, "member.role_changed", actor=console_team["admin"], target="second")
    html = logged_in(console_team, "owner").get("/audit/").content.decode()
    assert "<title>Audit log · " in html
    assert targets(html) == ["second", "first@example.com"]
    assert "Role changed" in html and "Invitation sent" in html
    newest, oldest = rows(html)
    assert console_team["admin"].email in newest[1] and console_team["owner"].email in oldest[1]
    assert 'aria-current="page"' in html.split('href="/audit/"', 1)[1][:40]


def test_a_person_concerned_by_id_is_shown_by_name(console_team):
    member = console_team["member"]
    record(
        console_team["organization"],
        "member.removed",
        actor=console_team["owner"],
        target=str(member.id),
    )
    [row] = rows(logged_in(console_team, "owner").get("/audit/").content.decode())
    assert member.name in row[3] and member.email in row[3] and str(member.id) not in row[3]


def test_action_labels_follow_the_language_of_the_page(console_team):
    record(console_team["organization"], "member.removed", actor=console_team["owner"], target="x")
    client = logged_in(console_team, "owner")
    client.post("/language/", {"language": "pt-br", "next": "/audit/"})
    html = client.get("/audit/").content.decode()
    assert "Membro removido" in html
    assert "Member removed" not in html


def test_filters_by_actor_action_and_dates(console_team):
    organization = console_team["organization"]
    now = timezone.now()
    record(
        organization,
        "invitation.created",
        actor=console_team["owner"],
        target="old",
        at=now - timedelta(days=10),
    )
    record(organization, "invitation.created", actor=console_team["admin"], target="by-admin")
    record(organization, "member.removed", actor=console_team["owner"], target="removed")
    record(organization, "invitation.revoked", actor=console_team["owner"], target="today")
    client = logged_in(console_team, "owner")

    by_admin = client.get("/audit/", {"actor": str(console_team["admin"].id)})
    assert targets(by_admin.content.decode()) == ["by-admin"]
    removals = client.get("/audit/", {"action": "member.removed"})
    assert targets(removals.content.decode()) == ["removed"]
    today = timezone.localdate()
    recent = client.get("/audit/", {"since": (today - timedelta(days=1)).isoformat()})
    assert "old" not in targets(recent.content.decode())
    assert set(targets(recent.content.decode())) == {"by-admin", "removed", "today"}
    long_ago = (today - timedelta(days=10)).isoformat()
    window = client.get("/audit/", {"since": long_ago, "until": long_ago})
    assert targets(window.content.decode()) == ["old"]
    both = client.get(
        "/audit/", {"actor": str(console_team["owner"].id), "action": "invitation.created"}
    )
    assert targets(both.content.decode()) == ["old"]


def test_invalid_filters_are_field_errors(console_team):
    client = logged_in(console_team, "owner")
    for query, field in [
        ({"since": "2026-13-40"}, "since"),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "until"),
        ({"action": "drop.table"}, "action"),
        ({"actor": "not-a-person"}, "actor"),
    ]:
        response = client.get("/audit/", query)
        assert response.status_code == 400, query
        assert f'id="id_{field}-errors"' in response.content.decode()


def test_the_log_is_paged_by_a_cursor(console_team):
    organization = console_team["organization"]
    for number in range(55):
        record(organization, "invitation.created", target=f"entry-{number:02d}")
    client = logged_in(console_team, "owner")
    first = client.get("/audit/", {"action": "invitation.created"}).content.decode()
    first_targets = targets(first)
    assert len(first_targets) == 50 and first_targets[0] == "entry-54"
    older = re.search(r'href="(\?[^"]*before=\d+[^"]*)" rel="next"', first)
    assert older is not None
    second = client.get("/audit/" + older.group(1).replace("&amp;", "&")).content.decode()
    assert targets(second) == [f"entry-{n:02d}" for n in range(4, -1, -1)]
    assert 'rel="next"' not in second
    assert client.get("/audit/", {"before": "-1"}).status_code == 404
    assert client.get("/audit/", {"before": "x"}).status_code == 404


def test_another_organizations_trail_is_not_shown(console_team, signup):
    other = Organization.objects.get(pk=signup()["organization"]["id"])
    provision_schema(other)
    record(other, "member.removed", target="theirs")
    record(console_team["organization"], "member.removed", target="ours")
    html = logged_in(console_team, "owner").get("/audit/").content.decode()
    assert targets(html) == ["ours"]


def test_a_member_is_refused_the_audit_log(console_team):
    record(console_team["organization"], "member.removed", target="secret")
    response = logged_in(console_team, "member").get("/audit/")
    assert response.status_code == 403
    assert "secret" not in response.content.decode()


def test_the_audit_log_only_reads(console_team):
    client = logged_in(console_team, "owner")
    assert client.post("/audit/", {}).status_code == 405
