"""``tenant_scope``: the one way into an organization's schema outside a request."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection

from pocdex_shared import observability
from pocdex_shared.tenancy.models import TenantStatus
from pocdex_shared.tenancy.scope import (
    Require,
    TenantNotReadyError,
    TenantSuspendedError,
    TenantUnavailable,
    TenantUnknownError,
    check_status,
    tenant_scope,
)
from tests.conftest import MakeTenant
from tests.tenantdata.models import Note

pytestmark = pytest.mark.django_db


def refusal(**kwargs: Any) -> BaseException:
    """What ``tenant_scope(**kwargs)`` raises instead of entering."""
    with pytest.raises((TenantUnavailable, TypeError)) as excinfo, tenant_scope(**kwargs):
        pytest.fail("the scope must not be entered")
    return excinfo.value


# Every status against every requirement: None means the scope is entered.
POLICY = [
    (TenantStatus.ACTIVE, Require.ACTIVE, None),
    (TenantStatus.ACTIVE, Require.LIVE, None),
    (TenantStatus.ACTIVE, Require.ANY, None),
    (TenantStatus.SUSPENDED, Require.ACTIVE, ("tenant_suspended", 403)),
    (TenantStatus.SUSPENDED, Require.LIVE, None),
    (TenantStatus.SUSPENDED, Require.ANY, None),
    (TenantStatus.PROVISIONING, Require.ACTIVE, ("tenant_not_ready", 503)),
    (TenantStatus.PROVISIONING, Require.LIVE, ("tenant_not_ready", 503)),
    (TenantStatus.PROVISIONING, Require.ANY, None),
]


@pytest.mark.parametrize(("status", "require", "refused"), POLICY)
def test_each_status_is_entered_or_refused_as_the_policy_says(
    make_tenant: MakeTenant, status: str, require: Require, refused: tuple[str, int] | None
) -> None:
    tenant = make_tenant(f"scope-{status}", status=status)
    if refused is None:
        with tenant_scope(tenant_id=tenant.id, require=require) as entered:
            assert entered.id == tenant.id
            assert connection.schema_name == tenant.schema_name
        check_status(status, require)  # the policy alone agrees: no error
    else:
        error = refusal(tenant_id=tenant.id, require=require)
        assert isinstance(error, TenantUnavailable)
        assert (error.code, error.status_code) == refused
        assert connection.schema_name == "public"
        with pytest.raises(TenantUnavailable) as policy_only:
            check_status(status, require)
        assert policy_only.value.code == refused[0]


def test_a_refused_not_ready_organization_is_told_to_retry(make_tenant: MakeTenant) -> None:
    tenant = make_tenant("scope-waiting", status=TenantStatus.PROVISIONING)
    error = refusal(tenant_id=tenant.id, require=Require.ACTIVE)
    assert isinstance(error, TenantNotReadyError)
    assert error.headers == {"Retry-After": "1"}


def test_an_unknown_or_malformed_id_is_tenant_unknown(make_tenant: MakeTenant) -> None:
    make_tenant("scope-someone")
    for tenant_id in (uuid.uuid4(), "not-a-uuid"):
        error = refusal(tenant_id=tenant_id, require=Require.ANY)
        assert isinstance(error, TenantUnknownError)
        assert (error.code, error.status_code) == ("tenant_unknown", 404)
    assert isinstance(refusal(slug="no-such-organization", require=Require.ANY), TenantUnknownError)


def test_an_organization_whose_schema_does_not_exist_is_not_ready(
    make_tenant: MakeTenant,
) -> None:
    tenant = make_tenant("scope-no-schema", provision=False)
    error = refusal(tenant_id=tenant.id, require=Require.ANY)
    assert isinstance(error, TenantNotReadyError)
    assert connection.schema_name == "public"


def test_a_slug_or_a_loaded_row_enter_the_same_schema(make_tenant: MakeTenant) -> None:
    tenant = make_tenant("scope-by-slug")
    with tenant_scope(slug="scope-by-slug", require=Require.ACTIVE) as by_slug:
        assert connection.schema_name == tenant.schema_name
    with tenant_scope(tenant=tenant, require=Require.ACTIVE) as by_row:
        assert connection.schema_name == tenant.schema_name
    assert by_slug.id == by_row.id == tenant.id


def test_a_loaded_row_is_read_again_so_a_later_suspension_is_seen(
    make_tenant: MakeTenant,
) -> None:
    tenant = make_tenant("scope-stale-row")
    type(tenant).objects.filter(id=tenant.id).update(status=TenantStatus.SUSPENDED)
    assert tenant.status == TenantStatus.ACTIVE  # the caller's copy is stale
    assert isinstance(refusal(tenant=tenant, require=Require.ACTIVE), TenantSuspendedError)


def test_another_organizations_data_is_invisible_inside(make_tenant: MakeTenant) -> None:
    first = make_tenant("scope-first")
    second = make_tenant("scope-second")
    with tenant_scope(tenant_id=first.id, require=Require.ACTIVE):
        Note.objects.create(text="only in the first")
    with tenant_scope(tenant_id=second.id, require=Require.ACTIVE):
        assert Note.objects.count() == 0
    with tenant_scope(tenant_id=first.id, require=Require.ACTIVE):
        assert list(Note.objects.values_list("text", flat=True)) == ["only in the first"]


def test_the_previous_schema_and_log_tenant_come_back_even_on_an_exception(
    make_tenant: MakeTenant,
) -> None:
    outer = make_tenant("scope-outer")
    inner = make_tenant("scope-inner")
    observability.clear_request_context()
    with tenant_scope(tenant_id=outer.id, require=Require.ACTIVE):
        with (
            pytest.raises(RuntimeError),
            tenant_scope(tenant_id=inner.id, require=Require.ACTIVE),
        ):
            assert connection.schema_name == inner.schema_name
            assert observability.current_context()["tenant"] == "scope-inner"
            raise RuntimeError("the work failed")
        assert connection.schema_name == outer.schema_name
        assert observability.current_context()["tenant"] == "scope-outer"
        assert Note.objects.create(text="still in the outer schema").pk is not None
    assert connection.schema_name == "public"
    assert observability.current_context()["tenant"] is None


def test_exactly_one_way_of_naming_the_organization_is_accepted(
    make_tenant: MakeTenant,
) -> None:
    tenant = make_tenant("scope-named-twice")
    both = refusal(tenant_id=tenant.id, slug=tenant.slug, require=Require.ANY)
    assert isinstance(both, TypeError)
    assert isinstance(refusal(require=Require.ANY), TypeError)
