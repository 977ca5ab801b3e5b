"""One way to enter an organization's context outside a request.

Internal APIs, Celery tasks, event handlers, webhooks and management commands
all go through ``tenant_scope``; the WebSocket hot path, which switches schema
per message, asks ``check_status`` for the same answer (ADR 0025).

The policy: what each kind of work may do with an organization in each status.

==================  ============  ==========  ============
Requirement          provisioning  active      suspended
==================  ============  ==========  ============
``ACTIVE``           not ready     yes         suspended
``LIVE``             not ready     yes         yes
``ANY``              yes           yes         yes
==================  ============  ==========  ============

* ``ACTIVE``: work done for a person or an outside party: internal reads and
  writes on a member's behalf, Git webhooks, renders and scheduled reports.
  A suspended organization gets nothing new.
* ``LIVE``: upkeep of what already exists, whatever its status: event handlers
  (a removed member, a changed POC), the search index, sweeps of orphaned
  uploads. A suspended organization's data stays consistent for when it is
  reactivated.
* ``ANY``: the organization's own lifecycle (provisioning, audit trail of its
  creation, seeding, operator commands).

In every case the row must exist (``tenant_unknown``, 404) and its schema too
(``tenant_not_ready``, 503 with ``Retry-After``).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection as _connection
from django_tenants.utils import get_tenant_model, schema_exists

from pocdex_shared import observability
from pocdex_shared.errors import ApiError
from pocdex_shared.errors import gettext_lazy as _

from .models import AbstractTenant, TenantStatus

# django-tenants' backend adds set_tenant() and set_schema(); the stubs know Django's.
connection: Any = _connection


class Require(enum.Enum):
    """Which statuses a kind of work accepts (see the module's table)."""

    ACTIVE = frozenset({TenantStatus.ACTIVE})
    LIVE = frozenset({TenantStatus.ACTIVE, TenantStatus.SUSPENDED})
    ANY = frozenset({TenantStatus.PROVISIONING, TenantStatus.ACTIVE, TenantStatus.SUSPENDED})


class TenantUnavailable(ApiError):  # noqa: N818 - the family of the three codes below
    """An organization that the work asked for cannot be entered."""


class TenantUnknownError(TenantUnavailable):
    def __init__(self) -> None:
        super().__init__("tenant_unknown", _("This organization does not exist."), status=404)


class TenantSuspendedError(TenantUnavailable):
    def __init__(self) -> None:
        super().__init__("tenant_suspended", _("This organization is suspended."), status=403)


class TenantNotReadyError(TenantUnavailable):
    def __init__(self, retry_after: int = 1) -> None:
        super().__init__(
            "tenant_not_ready",
            _("This organization is still being set up. Try again in a moment."),
            status=503,
            headers={"Retry-After": str(retry_after)},
        )


def check_status(status: str, require: Require) -> None:
    """The policy alone: raise the coded error if ``require`` refuses ``status``."""
    if status in require.value:
        return
    if status == TenantStatus.SUSPENDED:
        raise TenantSuspendedError()
    raise TenantNotReadyError()


def _load(tenant_id: uuid.UUID | str | None, slug: str | None) -> AbstractTenant:
    # The tenant table lives in public, which every tenant search path includes.
    model = get_tenant_model()
    tenant: AbstractTenant | None
    if tenant_id is not None:
        try:
            tenant = model.objects.filter(id=str(tenant_id)).first()
        except (ValueError, ValidationError):
            tenant = None
    else:
        tenant = model.objects.filter(slug=slug).first() if slug else None
    if tenant is None:
        raise TenantUnknownError()
    return tenant


@contextmanager
def tenant_scope(
    *,
    tenant_id: uuid.UUID | str | None = None,
    slug: str | None = None,
    tenant: AbstractTenant | None = None,
    require: Require,
) -> Iterator[AbstractTenant]:
    """Enter one organization's schema under the policy, and always leave it.

    Name the organization by ``tenant_id``, ``slug`` or an already loaded row
    (whose status is read again, so a suspension made since is seen). Inside,
    queries run in its schema and logs carry its slug; on the way out, however
    the block ends, the previous schema and log tenant come back.
    """
    named = [value for value in (tenant_id, slug, tenant) if value is not None]
    if len(named) != 1:
        raise TypeError("tenant_scope takes exactly one of tenant_id, slug or tenant")
    row = _load(tenant.pk if tenant is not None else tenant_id, slug)
    check_status(row.status, require)
    if not schema_exists(row.schema_name):
        raise TenantNotReadyError()
    previous_tenant = getattr(connection, "tenant", None)
    previous_log_tenant = observability.current_context().get("tenant")
    connection.set_tenant(row)
    observability.set_tenant(row.slug)
    try:
        yield row
    finally:
        if previous_tenant is None:
            connection.set_schema_to_public()
        else:
            connection.set_tenant(previous_tenant)
        observability.set_tenant(previous_log_tenant)
