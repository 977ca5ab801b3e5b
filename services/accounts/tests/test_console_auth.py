"""The owner console's foundation: hosts, login, sessions, headers (ADR 0046)."""

from __future__ import annotations

from typing import Any

import pytest

from .console_support import console_client, console_login


@pytest.mark.django_db
def test_an_owner_logs_in_on_the_organization_host(console_team: dict[str, Any]) -> None:
    client = console_client(console_team["slug"])
    page = client.get("/login/")
    assert page.status_code == 200
    console_login(client, console_team["owner"].email)
    assert client.session["console_organization"] == str(console_team["organization"].pk)
