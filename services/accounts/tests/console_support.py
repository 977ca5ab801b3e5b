"""Helpers for the owner console's tests: clients on an organization's host, logged-in people.

    from .console_support import console_client, console_login

``console_team`` (the fixture in ``conftest.py``, built by ``make_console_team``)
is an organization with an owner, an admin and a member, all with the password
``PASSWORD``; ``console_login`` logs one of them in through the login page, as
a browser would.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.test import Client

from identity.models import User
from organizations.models import Membership, Organization

from .conftest import PASSWORD


def host_of(slug: str) -> str:
    return f"{slug}.{settings.PUBLIC_BASE_DOMAIN}"


def console_client(slug: str, *, enforce_csrf_checks: bool = False) -> Client:
    """A browser on ``<slug>.<PUBLIC_BASE_DOMAIN>`` (cookies kept between requests)."""
    return Client(enforce_csrf_checks=enforce_csrf_checks, HTTP_HOST=host_of(slug))


def console_login(client: Client, email: str, password: str = PASSWORD) -> Client:
    """Log in through the login page (a person without two-factor); fails loudly otherwise."""
    response = client.post("/login/", {"email": email, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def add_person(organization: Organization, role: str, *, email: str | None = None) -> User:
    email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    user = User.objects.create_user(email, PASSWORD, name=role.title())
    Membership.objects.create(organization=organization, user=user, role=role)
    return user


def make_console_team(signup: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """An organization (``organization``, ``slug``) and its ``owner``, ``admin`` and ``member``."""
    data = signup()
    organization = Organization.objects.get(pk=data["organization"]["id"])
    return {
        "organization": organization,
        "slug": organization.slug,
        "owner": User.objects.get(email=data["email"]),
        "admin": add_person(organization, "admin"),
        "member": add_person(organization, "member"),
    }
