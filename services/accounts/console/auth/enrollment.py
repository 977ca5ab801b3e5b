"""Two-factor enrollment at the login, for an owner or admin the organization's rule keeps out.

An organization may require two-factor of every member
(``organizations.two_factor``). When the login finds a correct password but
the rule refuses the person, an owner or admin is offered the enrollment on
the spot: the password step's proof waits in the session (never the
password), for ``ENROLL_SECONDS`` and for this host's organization only; the
page shows a new secret, its ``otpauth://`` URI and a QR code; the first right
code turns two-factor on (``identity.services.totp_confirm``, with the code
step's budget), shows the recovery codes on its answer only, and opens the
session as the login does. A member gets the refusal page, which says how
apps turn two-factor on through the API.
"""

from __future__ import annotations

import time
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import Throttled

from identity.selectors import user_by_email
from identity.services import totp_confirm, totp_start
from organizations.models import Membership, Organization
from organizations.two_factor import two_factor_required
from pocdex_shared.errors import ApiError

from ..access import CONSOLE_ROLES, console_of, console_page, suspended_page
from .views import _open_session, _throttled_text, two_factor_needed_page

# The password step's result, waiting for the first code of a new secret.
SESSION_ENROLL = "console_pending_enrollment"
# Long enough to install an authenticator app; the secret is new at each password step.
ENROLL_SECONDS = 600
QR_SCALE = 5  # pixels per module


class FirstCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        strip=True,
        help_text=gettext_lazy("The six digits your authenticator app shows for Pocdex."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def offer(
    request: HttpRequest, organization: Organization, email: str, next_url: str
) -> HttpResponse:
    """The login's answer when the password was right but the two-factor rule refuses the person.

    Called only after ``login_check`` answered ``two_factor_required``, so the
    password was checked within the login's budgets.
    """
    user = user_by_email(email)
    membership = (
        Membership.objects.filter(user=user, organization=organization).first() if user else None
    )
    if user is None or membership is None or membership.role not in CONSOLE_ROLES:
        return two_factor_needed_page(request, organization, member=True)
    request.session.cycle_key()
    request.session[SESSION_ENROLL] = {
        "user": str(user.pk),
        "organization": str(organization.pk),
        "next": next_url,
        "at": time.time(),
    }
    return HttpResponseRedirect(reverse("console:enroll"))


def _pending(request: HttpRequest, organization: Organization) -> dict[str, Any] | None:
    pending = request.session.get(SESSION_ENROLL)
    if (
        not isinstance(pending, dict)
        or pending.get("organization") != str(organization.pk)
        or not 0 <= time.time() - float(pending.get("at") or 0) <= ENROLL_SECONDS
    ):
        return None
    return pending


def _start_again(request: HttpRequest, text: str) -> HttpResponse:
    request.session.pop(SESSION_ENROLL, None)
    messages.info(request, text)
    return HttpResponseRedirect(reverse("console:login"))


def grouped(secret: str) -> str:
    """The secret in groups of four characters, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_image(uri: str) -> dict[str, Any]:
    """The ``otpauth://`` URI as a QR code: an SVG ``data:`` URI (the CSP allows ``data:``
    images) and its side in pixels; black on white with the standard quiet zone."""
    code = segno.make(uri, error="m")
    width, _height = code.symbol_size(scale=QR_SCALE, border=4)
    src = code.svg_data_uri(scale=QR_SCALE, border=4, dark="#000", light="#fff")
    return {"src": str(src), "size": int(width)}


@require_http_methods(["GET", "POST"])
@console_page(public=True)
def enroll_view(request: HttpRequest) -> HttpResponse:
    context = console_of(request)
    organization = context.organization
    pending = _pending(request, organization)
    if pending is None:
        if context.membership is not None:  # logged in already (a reload after the codes)
            return HttpResponseRedirect(reverse("console:login"))
        return _start_again(request, _("Log in again: the previous attempt expired."))
    if organization.is_suspended:
        request.session.pop(SESSION_ENROLL, None)
        return suspended_page(request, organization)
    membership = (
        Membership.objects.select_related("user", "organization")
        .filter(user_id=pending["user"], organization=organization, user__is_active=True)
        .first()
    )
    if membership is None:
        return _start_again(request, _("Log in again: the previous attempt expired."))
    if membership.role not in CONSOLE_ROLES:
        request.session.pop(SESSION_ENROLL, None)
        return two_factor_needed_page(request, organization, member=True)
    user = membership.user
    if user.totp_enabled or not two_factor_required(organization):
        return _start_again(
            request, _("Two-factor authentication is not needed here any more: log in.")
        )
    if "secret" in pending and pending["secret"] != user.totp_secret:
        # Another enrollment (the API's, another browser) replaced this secret.
        return _start_again(request, _("Log in again: the previous attempt expired."))
    if "secret" not in pending:
        # A new secret once per password step: reloading the page keeps the one scanned.
        started = totp_start(user=user)
        pending = {**pending, "secret": started["secret"], "uri": started["otpauth_uri"]}
        request.session[SESSION_ENROLL] = pending
    form = FirstCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_confirm(user=user, code=form.cleaned_data["code"])
        except Throttled as exc:
            form.add_error("code", _throttled_text(exc))
            status = 429
        except ApiError as exc:
            if exc.code != "otp_invalid":  # the secret changed or two-factor is on already
                return _start_again(request, _("Log in again: the previous attempt expired."))
            form.add_error("code", _("The code is not valid."))
            status = 401
        else:
            request.session.pop(SESSION_ENROLL, None)
            opened = _open_session(request, membership, str(pending["next"]))
            next_url = opened["Location"]
            return render(
                request,
                "console/two_factor_enroll_done.html",
                {"organization": organization, "codes": codes, "next": next_url},
            )
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "console/two_factor_enroll.html",
        {
            "organization": organization,
            "form": form,
            "email": user.email,
            "secret": grouped(str(pending["secret"])),
            "otpauth_uri": str(pending["uri"]),
            "qr": qr_image(str(pending["uri"])),
        },
        status=status,
    )
