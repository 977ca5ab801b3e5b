"""pocdex_shared.usage: what a service may declare, and an organization still being provisioned."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pocdex_shared import usage


def test_only_the_catalogs_limits_can_be_declared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usage, "_counters", {})
    with pytest.raises(ValueError, match="unknown limit 'seats'"):
        usage.register_usage(seats=lambda: 1)
    usage.register_usage(pocs=lambda: 1)
    assert usage.counted_limits() == ("pocs",)


@pytest.mark.django_db
def test_an_organization_without_its_schema_yet_uses_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def never() -> int:
        raise AssertionError("counted outside a schema")

    monkeypatch.setattr(usage, "_counters", {"pocs": never, "dojos_per_month": never})
    tenant = SimpleNamespace(schema_name="t_not_provisioned", plan="team", limits={"pocs": 7})
    assert usage.usage_of(tenant) == {
        "pocs": {"used": 0, "limit": 7},
        "dojos_per_month": {"used": 0, "limit": 60},
    }
