"""The organization's audit log: who did what and when, filtered and paged."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from console.access import console_page
from organizations.models import Membership
from organizations.selectors import members_of

from .forms import AuditFilterForm
from .labels import action_label
from .selectors import audit_entries, audit_page, people_named

ENTRIES_PER_PAGE = 50


def _cursor(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        raise Http404
    return int(raw)


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if len(value) == 36 else None
    except ValueError:
        return None


@console_page()
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    membership: Membership | None = request.console.membership  # type: ignore[attr-defined]
    if membership is None:
        raise Http404
    people = [
        (str(m.user_id), f"{m.user.name} <{m.user.email}>")
        for m in members_of(organization_id=membership.organization_id).order_by("user__name")
    ]
    filters = AuditFilterForm(request.GET or None, people=people)
    status = 200
    criteria: dict[str, Any] = {}
    if filters.is_bound:
        if filters.is_valid():
            data = filters.cleaned_data
            criteria = {
                "actor_id": uuid.UUID(data["actor"]) if data["actor"] else None,
                "action": data["action"],
                "since": data["since"],
                "until": data["until"],
            }
        else:
            status = 400
    page = audit_page(
        audit_entries(**criteria, before_id=_cursor(request.GET.get("before"))),
        size=ENTRIES_PER_PAGE,
    )
    # Members' actions name the person concerned by id: show who it is, when we know.
    target_ids = {entry.id: _as_uuid(entry.target) for entry in page.entries}
    names = people_named(
        {e.actor_id for e in page.entries if e.actor_id is not None}
        | {person for person in target_ids.values() if person is not None}
    )
    rows = []
    for entry in page.entries:
        target_id = target_ids[entry.id]
        rows.append(
            {
                "entry": entry,
                "label": action_label(entry.action),
                "actor": names.get(entry.actor_id) if entry.actor_id else None,
                "target_person": names.get(target_id) if target_id else None,
            }
        )
    next_url = None
    if page.next_before is not None:
        query = {k: v for k, v in request.GET.items() if k != "before" and v}
        next_url = "?" + urlencode({**query, "before": page.next_before})
    return render(
        request,
        "console/audit_log/list.html",
        {
            "nav": "audit",
            "filters": filters,
            "rows": rows,
            "next_url": next_url,
            "first_url": "?"
            + urlencode({k: v for k, v in request.GET.items() if k != "before" and v})
            if request.GET.get("before")
            else None,
        },
        status=status,
    )
