"""The plan catalog: limits per plan, per-organization overrides, the coded refusal."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pocdex_shared.errors import ApiError
from pocdex_shared.plans import (
    LIMIT_NAMES,
    PLANS,
    PlanLimitReachedError,
    catalog_payload,
    check_limit,
    limit_of,
    plan_for_lookup_key,
    plan_named,
)


def tenant(plan: str = "free", **limits: object) -> SimpleNamespace:
    return SimpleNamespace(plan=plan, limits=limits)


def test_every_plan_declares_every_limit_and_paid_plans_have_brl_prices() -> None:
    for plan in PLANS.values():
        assert all(hasattr(plan.limits, name) for name in LIMIT_NAMES)
        for price in plan.prices:
            assert price.currency == "brl" and price.amount > 0
    assert [p.interval for p in PLANS["team"].prices] == ["month", "year"]
    assert PLANS["team"].price("year").amount < 12 * PLANS["team"].price("month").amount  # type: ignore[union-attr]


def test_an_unknown_plan_is_free_and_lookup_keys_map_back() -> None:
    assert plan_named("platinum").code == "free" and plan_named(None).code == "free"
    assert plan_for_lookup_key("pocdex_business_year") == (PLANS["business"], "year")
    assert plan_for_lookup_key("someone_elses_price") is None


def test_overrides_win_over_the_plan_including_unlimited_and_the_old_key() -> None:
    assert limit_of(tenant("free"), "pocs") == 200
    assert limit_of(tenant("business"), "pocs") is None
    assert limit_of(tenant("business", pocs=3), "pocs") == 3
    assert limit_of(tenant("free", members=None), "members") is None
    assert limit_of(tenant("free", max_pocs=7), "pocs") == 7
    with pytest.raises(ValueError):
        limit_of(tenant(), "seats")


def test_check_limit_refuses_growth_past_the_limit_with_the_details() -> None:
    check_limit(tenant("free", pocs=2), "pocs", used=1)
    with pytest.raises(PlanLimitReachedError) as refused:
        check_limit(tenant("free", pocs=2), "pocs", used=2)
    error: ApiError = refused.value
    assert error.status_code == 403 and error.code == "plan_limit_reached"
    assert error.extra == {"limit": "pocs", "value": 2, "plan": "free"}
    with pytest.raises(PlanLimitReachedError):
        check_limit(tenant("team", attachment_bytes=100), "attachment_bytes", used=60, adding=41)
    check_limit(tenant("business"), "pocs", used=10**9)


def test_the_public_catalog_lists_every_plan() -> None:
    payload = {p["code"]: p for p in catalog_payload()}
    assert set(payload) == set(PLANS)
    assert payload["business"]["boleto"] is True and payload["team"]["boleto"] is False
