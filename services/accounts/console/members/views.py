"""Members and invitations of the organization: the same services and rules as the API."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import APIException

from console.access import console_page
from organizations.models import Invitation, Membership, Role
from organizations.selectors import members_of, pending_invitations
from organizations.services import (
    invitation_create,
    invitation_resend,
    invitation_revoke,
    membership_change_role,
    membership_remove,
)
from pocdex_shared.errors import ApiError

from .errors import refusal_text
from .forms import InviteForm, RoleForm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MEMBERS_PER_PAGE = 25
INVITATIONS_PER_PAGE = 25


def _actor(request: HttpRequest) -> Membership:
    membership: Membership | None = request.console.membership  # type: ignore[attr-defined]
    if membership is None:  # console_page() admits only owners and admins
        raise Http404
    return membership


def _role_choices(actor: Membership) -> list[tuple[str, StrOrPromise]]:
    """The roles this person may give: only an owner makes owners (the services say so too)."""
    return [
        (value, label)
        for value, label in Role.choices
        if actor.role == Role.OWNER or value != Role.OWNER
    ]


def _member_in_organization(actor: Membership, member_id: uuid.UUID) -> Membership:
    member = members_of(organization_id=actor.organization_id).filter(id=member_id).first()
    if member is None:
        raise Http404
    return member


def _pending_in_organization(actor: Membership, invitation_id: uuid.UUID) -> Invitation:
    invitation = pending_invitations(actor=actor).filter(id=invitation_id).first()
    if invitation is None:
        raise Http404
    return invitation


@console_page()
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest) -> HttpResponse:
    """The members, the pending invitations and the form to invite someone."""
    actor = _actor(request)
    form = InviteForm(request.POST if request.method == "POST" else None)
    form.fields["role"].choices = _role_choices(actor)  # type: ignore[attr-defined]
    status = 200
    plan_limit: dict[str, Any] | None = None
    if request.method == "POST":
        if form.is_valid():
            try:
                invitation = invitation_create(
                    actor=actor,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                )
            except APIException as error:
                status = error.status_code
                if isinstance(error, ApiError) and error.code == "plan_limit_reached":
                    plan_limit = error.extra
                form.add_error(None, refusal_text(error))
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
                )
                return redirect("console:members")
        else:
            status = 400
    member_page = Paginator(
        members_of(organization_id=actor.organization_id).order_by("created_at", "id"),
        MEMBERS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    invitation_page = Paginator(
        pending_invitations(actor=actor).order_by("-created_at", "id"), INVITATIONS_PER_PAGE
    ).get_page(request.GET.get("invitations_page"))
    return render(
        request,
        "console/members/list.html",
        {
            "nav": "members",
            "actor": actor,
            "form": form,
            "plan_limit": plan_limit,
            "member_page": member_page,
            "invitation_page": invitation_page,
            "role_choices": _role_choices(actor),
        },
        status=status,
    )


@console_page()
@require_POST
def member_role(request: HttpRequest, member_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    member = _member_in_organization(actor, member_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("console:members")
    try:
        membership_change_role(actor=actor, target_id=member.id, role=form.cleaned_data["role"])
    except APIException as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(
            request,
            _("%(name)s is now %(role)s.")
            % {"name": member.user.name, "role": Role(form.cleaned_data["role"]).label},
        )
    return redirect("console:members")


@console_page()
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, member_id: uuid.UUID) -> HttpResponse:
    """A confirmation page, then the removal (or leaving, when it is oneself)."""
    actor = _actor(request)
    member = _member_in_organization(actor, member_id)
    if request.method == "POST":
        try:
            membership_remove(actor=actor, target_id=member.id)
        except APIException as error:
            messages.error(request, refusal_text(error))
        else:
            messages.success(
                request,
                _("%(name)s is no longer a member.") % {"name": member.user.name},
            )
        return redirect("console:members")
    return render(
        request,
        "console/members/remove.html",
        {"nav": "members", "member": member, "leaving": member.id == actor.id},
    )


@console_page()
@require_POST
def invitation_resend_view(request: HttpRequest, invitation_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    invitation = _pending_in_organization(actor, invitation_id)
    try:
        invitation_resend(actor=actor, invitation_id=invitation.id)
    except APIException as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(
            request, _("Invitation sent again to %(email)s.") % {"email": invitation.email}
        )
    return redirect("console:members")


@console_page()
@require_POST
def invitation_revoke_view(request: HttpRequest, invitation_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    invitation = _pending_in_organization(actor, invitation_id)
    try:
        invitation_revoke(actor=actor, invitation_id=invitation.id)
    except APIException as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(
            request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
        )
    return redirect("console:members")
