"""What an organization uses of its plan's limits, counted by the service that enforces each one.

Each service declares, from ``AppConfig.ready()``, the function that counts
each limit it enforces (:func:`register_usage`); its ``check_limit`` call uses
that same function, so the usage accounts shows and the limit a service
enforces cannot disagree. Accounts asks every service over the internal API
(``GET /internal/v1/tenants/{tenant_id}/usage``, accounts only) for the owner
console's overview and the back office.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django_tenants.utils import get_tenant_model, schema_exists, tenant_context
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pocdex_shared.errors import ApiError
from pocdex_shared.errors import gettext_lazy as _
from pocdex_shared.internal import IsService, ServiceAuthentication
from pocdex_shared.plans import LIMIT_NAMES, limit_of

#: Where each service serves its usage, under ``internal/v1/``.
USAGE_ROUTE = "tenants/<uuid:tenant_id>/usage"

_counters: dict[str, Callable[[], int]] = {}


def register_usage(**counters: Callable[[], int]) -> None:
    """Declare how this service counts each limit it enforces (in the current tenant's schema)."""
    for name, count in counters.items():
        if name not in LIMIT_NAMES:
            raise ValueError(f"unknown limit {name!r}")
        _counters[name] = count


def counted_limits() -> tuple[str, ...]:
    return tuple(_counters)


def usage_of(tenant: Any) -> dict[str, dict[str, int | None]]:
    """``{limit name: {"used", "limit"}}`` for one tenant row, counted in its schema."""
    if not schema_exists(tenant.schema_name):  # still being provisioned: nothing used yet
        return {name: {"used": 0, "limit": limit_of(tenant, name)} for name in _counters}
    with tenant_context(tenant):
        return {
            name: {"used": int(count()), "limit": limit_of(tenant, name)}
            for name, count in _counters.items()
        }


class UsageItemSerializer(drf.Serializer):
    used = drf.IntegerField()
    limit = drf.IntegerField(allow_null=True, help_text="null: unlimited.")


class UsageSerializer(drf.Serializer):
    service = drf.CharField()
    tenant_id = drf.UUIDField()
    plan = drf.CharField(help_text="The plan on this service's replica of the organization.")
    usage = drf.DictField(child=UsageItemSerializer(), help_text="By limit name.")


class UsageView(APIView):
    """``GET /internal/v1/tenants/{tenant_id}/usage``: accounts only.

    The organization comes from the path (never from a token claim, ADR 0025);
    the limits are those of this service's replica, the ones it enforces.
    """

    authentication_classes = [ServiceAuthentication]
    permission_classes = [IsService]
    allowed_services = frozenset({"accounts"})

    @extend_schema(
        responses={200: UsageSerializer},
        summary="What an organization uses of the limits this service enforces (accounts only)",
    )
    def get(self, request: Request, tenant_id: uuid.UUID) -> Response:
        tenant = get_tenant_model().objects.filter(id=tenant_id).first()
        if tenant is None:
            raise ApiError("tenant_not_found", _("This organization does not exist."), status=404)
        return Response(
            {
                "service": str(settings.POCDEX_SERVICE),
                "tenant_id": str(tenant.id),
                "plan": tenant.plan,
                "usage": usage_of(tenant),
            }
        )
