"""Who may open a console page: the decorator every console view uses.

    from console.access import console_page

    @console_page()                  # owners and admins of the host's organization
    def members(request): ...        # request.console: ConsoleContext

    @console_page(roles=("owner",))  # owners only
    @console_page(public=True)       # no login needed, still fixed to the host's organization

The organization comes from the host (``console.hosts``), never from the
session or the form. A session counts only on the host it was made for: it
stores that organization's id, and anywhere else it is as good as none.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.db import connection as _connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from identity.models import User
from organizations.models import Membership, Organization, Role
from organizations.two_factor import two_factor_required

# django-tenants' backend adds set_tenant(); the stubs know Django's.
connection: Any = _connection

SESSION_ORGANIZATION = "console_organization"
SESSION_LAST_SEEN = "console_last_seen"
CONSOLE_ROLES = (Role.OWNER.value, Role.ADMIN.value)

View = TypeVar("View", bound=Callable[..., HttpResponse])


@dataclass(frozen=True)
class ConsoleContext:
    """What a console view knows about its caller; ``user`` is ``None`` on public pages."""

    organization: Organization
    user: User | None
    membership: Membership | None
    role: str | None


def console_of(request: HttpRequest) -> ConsoleContext:
    """``request.console``, typed (set by ``console_page``)."""
    context = getattr(request, "console", None)
    if not isinstance(context, ConsoleContext):
        raise RuntimeError("console_of() outside a view decorated with console_page")
    return context


def host_organization(request: HttpRequest) -> Organization:
    """The organization of the request's host; 404 for an unknown (or purged) slug."""
    slug = getattr(request, "console_slug", None)
    if not slug:
        raise Http404
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise Http404
    return organization


def session_membership(request: HttpRequest, organization: Organization) -> Membership | None:
    """The membership of the person logged in on this host, if the session is valid here.

    A session made on another organization's host, or idle for longer than
    ``CONSOLE_SESSION_IDLE_SECONDS``, counts as no session.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if request.session.get(SESSION_ORGANIZATION) != str(organization.pk):
        return None
    last_seen = request.session.get(SESSION_LAST_SEEN)
    now = time.time()
    if not isinstance(last_seen, (int, float)) or now - last_seen > idle_seconds():
        logout(request)
        return None
    request.session[SESSION_LAST_SEEN] = now
    request.session.set_expiry(idle_seconds())
    return (
        Membership.objects.select_related("user", "organization")
        .filter(user=user, organization=organization)
        .first()
    )


def idle_seconds() -> int:
    return int(settings.CONSOLE_SESSION_IDLE_SECONDS)


def login_url(request: HttpRequest) -> str:
    return reverse("console:login") + "?" + urlencode({"next": request.get_full_path()})


def restore_url() -> str | None:
    """The public restore page (``console:data-restore``), when the data area provides it."""
    try:
        return reverse("console:data-restore")
    except NoReverseMatch:
        return None


def suspended_page(request: HttpRequest, organization: Organization) -> HttpResponse:
    return render(
        request,
        "console/suspended.html",
        {"organization": organization, "restore_url": restore_url()},
        status=403,
    )


def refused_page(
    request: HttpRequest, organization: Organization, *, owners_only: bool = False
) -> HttpResponse:
    """403 for a person whose role does not open this page (members: the whole console)."""
    return render(
        request,
        "console/refused.html",
        {"organization": organization, "owners_only": owners_only},
        status=403,
    )


def _enter(request: HttpRequest, context: ConsoleContext) -> None:
    request.console = context  # type: ignore[attr-defined]
    # The organization's own schema for its tenant tables (the audit trail);
    # the tenant middleware puts the connection back on public afterwards.
    request.tenant = context.organization  # type: ignore[attr-defined]
    connection.set_tenant(context.organization)


def console_page(
    *, roles: Iterable[str] = CONSOLE_ROLES, public: bool = False
) -> Callable[[View], View]:
    """Admit the host organization's owners and admins (or ``roles``); see the module doc.

    ``public`` pages open without a login and also while the organization is
    suspended (its deletion's grace period); every other page of a suspended
    organization says so and links to the restore page.
    """
    allowed = tuple(roles)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            organization = host_organization(request)
            membership = session_membership(request, organization)
            if public:
                _enter(
                    request,
                    ConsoleContext(
                        organization=organization,
                        user=membership.user if membership else None,
                        membership=membership,
                        role=membership.role if membership else None,
                    ),
                )
                return view(request, *args, **kwargs)
            if organization.is_suspended:
                return suspended_page(request, organization)
            if membership is None:
                return HttpResponseRedirect(login_url(request))
            if two_factor_required(organization) and not membership.user.totp_enabled:
                # The rule was turned on after this session was opened.
                logout(request)
                return render(
                    request,
                    "console/two_factor_needed.html",
                    {"organization": organization},
                    status=403,
                )
            if membership.role not in allowed:
                return refused_page(
                    request,
                    organization,
                    owners_only=membership.role in CONSOLE_ROLES,
                )
            _enter(
                request,
                ConsoleContext(
                    organization=organization,
                    user=membership.user,
                    membership=membership,
                    role=membership.role,
                ),
            )
            return view(request, *args, **kwargs)

        return cast(View, wrapper)

    return decorate
