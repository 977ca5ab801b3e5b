"""Login (password, then the second factor when it is on), logout and the language switch.

The checks are the API's (``identity.services``): the same throttling windows
per address and per account, the same refusal of inactive people, the same
answer for a wrong password and for a person outside this organization. The
console then admits only owners and admins, and only once the password is
right does a member learn that the console is not for them.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import Throttled

from identity import throttling
from identity.selectors import user_by_email
from identity.services import login_check, second_factor_check
from organizations.models import Membership, Organization
from organizations.two_factor import two_factor_required
from pocdex_shared.errors import ApiError

from ..access import (
    CONSOLE_ROLES,
    SESSION_LAST_SEEN,
    SESSION_ORGANIZATION,
    console_of,
    console_page,
    idle_seconds,
    refused_page,
    suspended_page,
)
from .forms import CodeForm, LanguageForm, LoginForm

# The password step's result, waiting for the second factor.
SESSION_PENDING = "console_pending_login"
PENDING_SECONDS = 300


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    try:
        return reverse("console:overview")
    except NoReverseMatch:  # the overview's routes are not there yet
        return "/"


def _throttled_text(exc: Throttled) -> str:
    return _("Too many attempts. Try again in %(seconds)s seconds.") % {
        "seconds": int(getattr(exc, "wait", None) or 1)
    }


def _admission(request: HttpRequest, membership: Membership) -> HttpResponse | None:
    """The refusal for a person whose password (and code) were right, if any."""
    if membership.role not in CONSOLE_ROLES:
        return refused_page(request, membership.organization)
    if two_factor_required(membership.organization) and not membership.user.totp_enabled:
        return two_factor_needed_page(request, membership.organization)
    return None


def two_factor_needed_page(
    request: HttpRequest, organization: Organization, *, member: bool = False
) -> HttpResponse:
    return render(
        request,
        "console/two_factor_needed.html",
        {"organization": organization, "member": member},
        status=403,
    )


def _open_session(request: HttpRequest, membership: Membership, next_url: str) -> HttpResponse:
    request.session.pop(SESSION_PENDING, None)
    login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_ORGANIZATION] = str(membership.organization_id)
    request.session[SESSION_LAST_SEEN] = time.time()
    request.session.set_expiry(idle_seconds())
    return HttpResponseRedirect(next_url)


@require_http_methods(["GET", "POST"])
@console_page(public=True)
def login_view(request: HttpRequest) -> HttpResponse:
    organization = console_of(request).organization
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if console_of(request).membership is not None:
        return HttpResponseRedirect(next_url)
    if organization.is_suspended:
        return suspended_page(request, organization)
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            membership = login_check(
                organization_slug=organization.slug,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                otp="",
                client_ip=throttling.client_ip(request),
            )
        except Throttled as exc:
            form.add_error(None, _throttled_text(exc))
            status = 429
        except ApiError as exc:
            if exc.code == "two_factor_required":
                # The password was right: owners and admins turn two-factor on here.
                from .enrollment import offer

                return offer(request, organization, form.cleaned_data["email"], next_url)
            if exc.code == "tenant_suspended":
                return suspended_page(request, organization)
            if exc.code != "otp_required":
                # Wrong password, unknown or inactive person, or not in this organization.
                form.add_error(None, _("Email or password is not correct."))
                status = 401
            else:
                # login_check found this person and checked the password.
                user = user_by_email(form.cleaned_data["email"])
                request.session.cycle_key()
                request.session[SESSION_PENDING] = {
                    "user": str(user.pk if user else ""),
                    "organization": str(organization.pk),
                    "next": next_url,
                    "at": time.time(),
                }
                return HttpResponseRedirect(reverse("console:totp"))
        else:
            refusal = _admission(request, membership)
            if refusal is not None:
                return refusal
            return _open_session(request, membership, next_url)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "console/login.html",
        {"form": form, "next": next_url, "organization": organization},
        status=status,
    )


def _pending(request: HttpRequest, organization: Organization) -> dict[str, Any] | None:
    pending = request.session.get(SESSION_PENDING)
    if (
        not isinstance(pending, dict)
        or pending.get("organization") != str(organization.pk)
        or time.time() - float(pending.get("at") or 0) > PENDING_SECONDS
    ):
        return None
    return pending


@require_http_methods(["GET", "POST"])
@console_page(public=True)
def totp_view(request: HttpRequest) -> HttpResponse:
    organization = console_of(request).organization
    pending = _pending(request, organization)
    if pending is None:
        request.session.pop(SESSION_PENDING, None)
        messages.info(request, _("Log in again: the previous attempt expired."))
        return HttpResponseRedirect(reverse("console:login"))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        membership = (
            Membership.objects.select_related("user", "organization")
            .filter(user_id=pending["user"], organization=organization, user__is_active=True)
            .first()
        )
        if membership is None:
            request.session.pop(SESSION_PENDING, None)
            return HttpResponseRedirect(reverse("console:login"))
        try:
            second_factor_check(user=membership.user, otp=form.cleaned_data["code"])
        except Throttled as exc:
            form.add_error("code", _throttled_text(exc))
            status = 429
        except ApiError:
            form.add_error("code", _("The code is not valid."))
            status = 401
        else:
            refusal = _admission(request, membership)
            if refusal is not None:
                request.session.pop(SESSION_PENDING, None)
                return refusal
            return _open_session(request, membership, str(pending["next"]))
    elif request.method == "POST":
        status = 400
    return render(
        request, "console/totp.html", {"form": form, "organization": organization}, status=status
    )


@require_POST
@console_page(public=True)
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("You are logged out."))
    return HttpResponseRedirect(reverse("console:login"))


@require_POST
@console_page(public=True)
def language_view(request: HttpRequest) -> HttpResponse:
    """Set the ``django_language`` cookie (ADR 0017) and go back to the page."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "console/not_found.html",
            {"message": _("This language is not available.")},
            status=400,
        )
    response = HttpResponseRedirect(_safe_next(request, form.cleaned_data["next"]))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        form.cleaned_data["language"],
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 86400,
        path=settings.LANGUAGE_COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=False,
        samesite="Lax",
    )
    return response
