"""The organization's settings: name, default language, the two-factor rule."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import APIException

from console.access import console_page
from console.members.errors import refusal_text
from organizations.git_webhooks import GitWebhook, git_webhook_rotate, git_webhooks
from organizations.models import Membership, Role
from organizations.services import (
    organization_settings_update,
    organization_two_factor_set,
    two_factor_required,
)

from .forms import GeneralForm, TwoFactorForm


def _actor(request: HttpRequest) -> Membership:
    membership: Membership | None = request.console.membership  # type: ignore[attr-defined]
    if membership is None:  # console_page() admits only owners and admins
        raise Http404
    return membership


def _page(
    request: HttpRequest,
    actor: Membership,
    *,
    general: GeneralForm | None = None,
    two_factor: TwoFactorForm | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = actor.organization
    webhooks: list[GitWebhook] | None
    try:
        webhooks = git_webhooks(actor=actor)
    except APIException:
        webhooks = None  # the page says they cannot be reached; the rest still works
    return render(
        request,
        "console/preferences/settings.html",
        {
            "nav": "settings",
            "is_owner": actor.role == Role.OWNER,
            "actor_has_two_factor": actor.user.totp_enabled,
            "two_factor_on": two_factor_required(organization),
            "general": general
            or GeneralForm(initial={"name": organization.name, "locale": organization.locale}),
            "two_factor": two_factor
            or TwoFactorForm(initial={"required": two_factor_required(organization)}),
            "webhooks": webhooks,
        },
        status=status,
    )


@console_page()
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """The settings; a POST here saves the name and the default language (owners and admins)."""
    actor = _actor(request)
    if request.method == "GET":
        return _page(request, actor)
    general = GeneralForm(request.POST)
    if not general.is_valid():
        return _page(request, actor, general=general, status=400)
    try:
        organization_settings_update(
            actor=actor, name=general.cleaned_data["name"], locale=general.cleaned_data["locale"]
        )
    except APIException as error:
        general.add_error(None, refusal_text(error))
        return _page(request, actor, general=general, status=error.status_code)
    messages.success(request, _("Settings saved."))
    return redirect("console:settings")


@console_page(roles=(Role.OWNER,))
@require_POST
def two_factor_page(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = TwoFactorForm(request.POST)
    form.is_valid()  # a checkbox: absent means off
    required = bool(form.cleaned_data.get("required"))
    try:
        organization_two_factor_set(actor=actor, required=required)
    except APIException as error:
        form.add_error("required", refusal_text(error))
        return _page(request, actor, two_factor=form, status=error.status_code)
    if required:
        messages.success(request, _("Two-factor authentication is now required of every member."))
    else:
        messages.success(request, _("Two-factor authentication is no longer required."))
    return redirect("console:settings")


@console_page(roles=(Role.OWNER,))
@require_POST
def webhook_rotate(request: HttpRequest, provider: str) -> HttpResponse:
    """A new secret for one Git host, shown on this answer only (it is stored nowhere here)."""
    actor = _actor(request)
    try:
        rotated = git_webhook_rotate(actor=actor, provider=provider)
    except APIException as error:
        if error.status_code == 404:
            raise Http404 from None
        messages.error(request, refusal_text(error))
        return redirect("console:settings")
    response = render(
        request,
        "console/preferences/webhook_secret.html",
        {"nav": "settings", "rotated": rotated},
    )
    response["Cache-Control"] = "no-store"
    return response
