"""The logged-in person's own data (ADR 0047): export it, or delete their account.

The rules are ``lgpd.people``'s, the same as ``/api/v1/me/exports`` and
``DELETE /api/v1/me``: one export at a time, deletion refused to the only owner
of an organization that has other members.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import Throttled

from console.access import console_page
from lgpd.models import PersonExport
from lgpd.people import person_delete, person_export_link, person_export_start, person_exports_of
from pocdex_shared.errors import MESSAGES, ApiError

from .forms import PersonDeletionForm
from .views import EXPORTS_SHOWN, export_row


def _row(export: PersonExport) -> dict[str, Any]:
    return export_row(
        export, link=person_export_link(export), poll_route="console:data-me-export-progress"
    )


@require_GET
@console_page()
def personal(request: HttpRequest) -> HttpResponse:
    user = request.console.user  # type: ignore[attr-defined]
    exports = [_row(e) for e in person_exports_of(user)[:EXPORTS_SHOWN]]
    return render(
        request,
        "console/data/personal.html",
        {
            "nav": "data",
            "exports": exports,
            "export_running": any(e["running"] for e in exports),
        },
    )


@require_POST
@console_page()
def personal_export_create(request: HttpRequest) -> HttpResponse:
    try:
        person_export_start(user=request.console.user)  # type: ignore[attr-defined]
    except ApiError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("The export of your data started. You get an email with the link when it is ready."),
        )
    return redirect("console:data-me")


@require_GET
@console_page()
def personal_export_progress(request: HttpRequest, export_id: uuid.UUID) -> HttpResponse:
    export = person_exports_of(request.console.user).filter(id=export_id).first()  # type: ignore[attr-defined]
    if export is None:
        raise Http404
    return render(
        request,
        "console/data/_export.html",
        {"export": _row(export), "refresh_url": reverse("console:data-me")},
    )


@require_http_methods(["GET", "POST"])
@console_page()
def personal_delete(request: HttpRequest) -> HttpResponse:
    user = request.console.user  # type: ignore[attr-defined]
    form = PersonDeletionForm(request.POST if request.method == "POST" else None)
    blocking: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            person_delete(
                user=user,
                password=form.cleaned_data["password"],
                otp=form.cleaned_data["otp"] or None,
                confirmation=form.cleaned_data["confirmation"],
            )
        except Throttled:
            form.add_error(None, str(MESSAGES["throttled"]))
        except ApiError as exc:
            form.add_service_error(exc)
            blocking = [str(item["message"]) for item in exc.fields.get("organizations", [])]
        else:
            logout(request)
            messages.success(request, _("Your account and your personal data were deleted."))
            return redirect("console:login")
    return render(
        request,
        "console/data/personal_delete.html",
        {"nav": "data", "form": form, "blocking": blocking},
        status=400 if form.errors else 200,
    )
