"""The organization's data under the LGPD: export, deletion, restore (ADR 0044).

Each page calls ``lgpd.services``, the same functions as the API: a refusal
(wrong password or code, a mistyped address, an export already running) is
shown on the form or as a message.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import Throttled

from console.access import console_page
from identity import throttling
from lgpd.models import ExportStatus, OrganizationExport, PersonExport
from lgpd.services import (
    deletion_of,
    deletion_request,
    deletion_restore,
    export_link,
    export_start,
    exports_of,
)
from organizations.models import Role
from pocdex_shared.errors import MESSAGES, ApiError

from .forms import DeletionForm, RestoreForm

EXPORTS_SHOWN = 10


def export_row(
    export: OrganizationExport | PersonExport,
    *,
    link: tuple[str, datetime] | None = None,
    poll_route: str = "console:data-export-progress",
) -> dict[str, Any]:
    """An export as the pages show it (an organization's, or with ``link`` a person's)."""
    if isinstance(export, OrganizationExport):
        link = export_link(export)
    labels = {
        ExportStatus.PENDING: _("Waiting to start"),
        ExportStatus.RUNNING: _("Running"),
        ExportStatus.COMPLETED: _("Ready"),
        ExportStatus.FAILED: _("Failed"),
    }
    return {
        "id": export.id,
        "status": export.status,
        "status_label": labels.get(ExportStatus(export.status), export.status),
        "progress": export.progress,
        "created_at": export.created_at,
        "finished_at": export.finished_at,
        "running": export.status in (ExportStatus.PENDING, ExportStatus.RUNNING),
        "poll_url": reverse(poll_route, args=[export.id]),
        "download_url": link[0] if link else None,
        "download_expires_at": link[1] if link else None,
    }


@require_GET
@console_page()
def data(request: HttpRequest) -> HttpResponse:
    context: Any = request.console  # type: ignore[attr-defined]
    exports = [export_row(e) for e in exports_of(context.organization)[:EXPORTS_SHOWN]]
    return render(
        request,
        "console/data/data.html",
        {
            "nav": "data",
            "exports": exports,
            "export_running": any(e["running"] for e in exports),
            "is_owner": context.role == Role.OWNER,
        },
    )


@require_POST
@console_page()
def export_create(request: HttpRequest) -> HttpResponse:
    try:
        export_start(actor=request.console.membership)  # type: ignore[attr-defined]
    except ApiError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("The export started. You get an email with the link when the archive is ready."),
        )
    return redirect("console:data")


@require_GET
@console_page()
def export_progress(request: HttpRequest, export_id: uuid.UUID) -> HttpResponse:
    """One export's row as an HTML fragment, polled while the export runs."""
    context: Any = request.console  # type: ignore[attr-defined]
    export = exports_of(context.organization).filter(id=export_id).first()
    if export is None:
        raise Http404
    return render(
        request,
        "console/data/_export.html",
        {"export": export_row(export), "refresh_url": reverse("console:data")},
    )


@require_http_methods(["GET", "POST"])
@console_page(roles=(Role.OWNER,))
def delete(request: HttpRequest) -> HttpResponse:
    context: Any = request.console  # type: ignore[attr-defined]
    slug = context.organization.slug
    form = DeletionForm(request.POST if request.method == "POST" else None, slug=slug)
    if request.method == "POST" and form.is_valid():
        try:
            deletion = deletion_request(
                actor=context.membership,
                password=form.cleaned_data["password"],
                otp=form.cleaned_data["otp"] or None,
                confirmation=form.cleaned_data["confirmation"],
            )
        except Throttled:
            form.add_error(None, str(MESSAGES["throttled"]))
        except ApiError as exc:
            form.add_service_error(exc)
        else:
            # The organization is suspended: its console sessions end with it.
            logout(request)
            messages.success(
                request,
                _(
                    "The organization will be deleted on %(date)s. Until then an owner "
                    "can restore it."
                )
                % {"date": date_format(deletion.purge_after, "DATE_FORMAT")},
            )
            return redirect("console:data")
    return render(
        request,
        "console/data/delete.html",
        {"nav": "data", "form": form, "slug": slug},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@console_page(public=True)
def restore(request: HttpRequest) -> HttpResponse:
    """Public (the organization's sessions and tokens are refused meanwhile): the owner
    proves who they are as at login, with the login's throttles."""
    context: Any = request.console  # type: ignore[attr-defined]
    organization = context.organization
    form = RestoreForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            throttling.hit("login_ip", throttling.client_ip(request))
            throttling.hit("login_account", f"{organization.slug}:{email.lower()}")
            deletion_restore(
                organization_slug=organization.slug,
                email=email,
                password=form.cleaned_data["password"],
                otp=form.cleaned_data["otp"] or None,
            )
        except Throttled:
            form.add_error(None, str(MESSAGES["throttled"]))
        except ApiError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The organization is restored. Log in to continue."))
            return redirect("console:login")
    deletion = deletion_of(organization)
    return render(
        request,
        "console/data/restore.html",
        {"form": form, "organization": organization, "deletion": deletion},
        status=400 if form.errors else 200,
    )
