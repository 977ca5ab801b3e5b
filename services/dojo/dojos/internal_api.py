"""Internal API (service tokens only; never routed by the gateway).

``GET /internal/v1/tenants/{tenant_id}/dojos?participant=&from=&to=`` lists the
dojos of one organization that started in a date range (optionally only those
a person took part in), with what each participant did: media's reports and
year-in-review video read it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pocdex_shared.errors import ApiError, not_found
from pocdex_shared.internal import IsService, ServiceAuthentication
from pocdex_shared.pagination import CursorPagination
from pocdex_shared.tenancy.scope import Require, TenantUnknownError, tenant_scope

from .models import Dojo, DojoStatus, Participant


def _invalid(name: str, message: Any) -> ApiError:
    return ApiError(
        "invalid_filter",
        _("A filter has an invalid value."),
        fields={name: [{"code": "invalid", "message": message}]},
    )


def _date(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _invalid(name, _("Use a date as YYYY-MM-DD.")) from None


def _uuid(request: Request, name: str) -> uuid.UUID | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise _invalid(name, _("Use a member id.")) from None


@contextmanager
def organization(tenant_id: uuid.UUID) -> Iterator[None]:
    """In the organization of the path, which must be active (ADR 0025).

    Suspended: ``403 tenant_suspended``; provisioning or its schema not cloned
    yet: ``503 tenant_not_ready``; unknown: the documented ``tenant_not_found``.
    """
    try:
        with tenant_scope(tenant_id=tenant_id, require=Require.ACTIVE):
            yield
    except TenantUnknownError:
        raise not_found("tenant_not_found", _("This organization does not exist.")) from None


class InternalDojoListView(APIView):
    authentication_classes = [ServiceAuthentication]
    permission_classes = [IsService]
    cursor_ordering = ("started_at",)

    @extend_schema(
        parameters=[
            OpenApiParameter("participant", OpenApiTypes.UUID),
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
        ],
        summary="Dojos of one organization, with participation (service tokens only)",
    )
    def get(self, request: Request, tenant_id: uuid.UUID) -> Response:
        start, end = _date(request, "from"), _date(request, "to")
        participant = _uuid(request, "participant")
        if start and end and end < start:
            raise _invalid("to", _("The end date is before the start date."))
        with organization(tenant_id):
            dojos = Dojo.objects.exclude(status=DojoStatus.SCHEDULED).filter(
                started_at__isnull=False
            )
            if start:
                dojos = dojos.filter(started_at__gte=_day_start(start))
            if end:
                dojos = dojos.filter(started_at__lt=_day_start(end) + timedelta(days=1))
            if participant:
                dojos = dojos.filter(participants__user_id=participant)
            dojos = dojos.annotate(
                operations=Count("events", filter=Q(events__kind="op"), distinct=True),
                messages=Count("events", filter=Q(events__kind="chat"), distinct=True),
            )
            paginator = CursorPagination()
            page = paginator.paginate_queryset(dojos, request, view=self)
            people: dict[uuid.UUID, list[Participant]] = {}
            for row in Participant.objects.filter(dojo__in=[d.id for d in page]).order_by(
                "joined_at"
            ):
                people.setdefault(row.dojo_id, []).append(row)
            results = [
                {
                    "id": str(dojo.id),
                    "title": dojo.title,
                    "language": dojo.language,
                    "status": dojo.status,
                    "started_at": dojo.started_at,
                    "ended_at": dojo.ended_at,
                    "poc_id": str(dojo.poc_id) if dojo.poc_id else None,
                    "participants": [
                        {
                            "user_id": str(p.user_id),
                            "name": p.name,
                            "seconds_as_piloto": p.seconds_as_piloto,
                            "rotations": p.turns_as_piloto,
                        }
                        for p in people.get(dojo.id, [])
                    ],
                    "operations": dojo.operations,
                    "messages": dojo.messages,
                }
                for dojo in page
            ]
            return paginator.get_paginated_response(results)


def _day_start(day: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
