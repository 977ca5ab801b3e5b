"""The plan catalog (Free, Team, Business) and the limits every service enforces.

One declaration read by every service: accounts sells the plans (prices in BRL,
``billing``), and each service checks its own limits against the plan on its
tenant row, which the ``tenant.updated`` event keeps current (ADR 0043).

A tenant row's ``limits`` JSON overrides its plan's limits per organization
(``{"pocs": 500}``; ``null`` means unlimited): the back office grants exceptions
there, and the event carries them with the plan.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

from django.db import connection
from django.utils import timezone
from django.utils.text import format_lazy

from pocdex_shared.errors import ApiError
from pocdex_shared.errors import gettext_lazy as _

GIB = 1024**3

LimitName = Literal[
    "members",
    "pocs",
    "attachment_bytes",
    "dojos_per_month",
    "reports_per_month",
    "videos_per_month",
]
Interval = Literal["month", "year"]

FREE = "free"
TEAM = "team"
BUSINESS = "business"


@dataclass(frozen=True)
class Limits:
    """``None`` means unlimited."""

    members: int | None
    pocs: int | None
    attachment_bytes: int | None
    dojos_per_month: int | None
    reports_per_month: int | None
    videos_per_month: int | None


LIMIT_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Limits))

# Keys of the tenant ``limits`` override that predate this catalog.
LEGACY_OVERRIDES = {"pocs": "max_pocs"}


@dataclass(frozen=True)
class Price:
    interval: Interval
    amount: int  # centavos of BRL
    currency: str = "brl"


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    limits: Limits
    prices: tuple[Price, ...] = ()
    # Boleto settles in days: offered only where the plan's price makes the delay acceptable.
    boleto: bool = False

    @property
    def paid(self) -> bool:
        return bool(self.prices)

    def price(self, interval: str) -> Price | None:
        return next((p for p in self.prices if p.interval == interval), None)

    def lookup_key(self, interval: str) -> str:
        """The provider's stable name for this plan's price (``pocdex_team_month``)."""
        return f"pocdex_{self.code}_{interval}"


PLANS: dict[str, Plan] = {
    FREE: Plan(
        code=FREE,
        name="Free",
        limits=Limits(
            members=5,
            pocs=200,
            attachment_bytes=1 * GIB,
            dojos_per_month=4,
            reports_per_month=2,
            videos_per_month=1,
        ),
    ),
    TEAM: Plan(
        code=TEAM,
        name="Team",
        limits=Limits(
            members=25,
            pocs=5_000,
            attachment_bytes=50 * GIB,
            dojos_per_month=60,
            reports_per_month=30,
            videos_per_month=10,
        ),
        prices=(Price("month", 19_900), Price("year", 199_000)),
    ),
    BUSINESS: Plan(
        code=BUSINESS,
        name="Business",
        limits=Limits(
            members=200,
            pocs=None,
            attachment_bytes=500 * GIB,
            dojos_per_month=None,
            reports_per_month=None,
            videos_per_month=100,
        ),
        prices=(Price("month", 79_900), Price("year", 799_000)),
        boleto=True,
    ),
}


def plan_named(code: str | None) -> Plan:
    """The plan of that code; an unknown or empty code is Free (never more than paid for)."""
    return PLANS.get(code or FREE) or PLANS[FREE]


def plan_for_lookup_key(lookup_key: str | None) -> tuple[Plan, str] | None:
    """``(plan, interval)`` for a price lookup key of this catalog, else ``None``."""
    for plan in PLANS.values():
        for price in plan.prices:
            if plan.lookup_key(price.interval) == lookup_key:
                return plan, price.interval
    return None


def limit_of(tenant: Any, name: str) -> int | None:
    """The limit ``name`` for a tenant row (``plan`` and ``limits`` fields)."""
    if name not in LIMIT_NAMES:
        raise ValueError(f"unknown limit {name!r}")
    overrides = getattr(tenant, "limits", None)
    if isinstance(overrides, dict):
        for key in (name, LEGACY_OVERRIDES.get(name)):
            if key and key in overrides:
                value = overrides[key]
                return int(value) if value is not None else None
    planned: int | None = getattr(plan_named(getattr(tenant, "plan", None)).limits, name)
    return planned


class PlanLimitReachedError(ApiError):
    """403 ``plan_limit_reached``; the body names the limit, its value and the plan."""

    def __init__(self, *, limit: str, value: int, plan: str) -> None:
        super().__init__(
            "plan_limit_reached",
            format_lazy(
                _(
                    "Your organization's plan ({plan}) allows {value} for {limit}. "
                    "Upgrade the plan or free some room."
                ),
                plan=plan_named(plan).name,
                value=value,
                limit=limit,
            ),
            status=403,
            extra={"limit": limit, "value": value, "plan": plan},
        )


def check_limit(tenant: Any, name: str, *, used: int, adding: int = 1) -> None:
    """Raise ``PlanLimitReachedError`` when ``used + adding`` exceeds the tenant's limit ``name``.

    Callers count ``used`` under a lock of their own when two requests could race
    for the last unit. Data beyond a lower plan's limits is kept: only growth is refused.
    """
    limit = limit_of(tenant, name)
    if limit is not None and used + adding > limit:
        raise PlanLimitReachedError(
            limit=name, value=limit, plan=getattr(tenant, "plan", FREE) or FREE
        )


def quota_lock(kind: str) -> None:
    """Serialize one organization's writes that count against limit ``kind``.

    A transaction-level advisory lock on (current schema, kind): the count and the
    insert that follows it happen while no other request of the organization can
    do the same, so two requests cannot both take the last unit. Call in a transaction.
    """
    key = zlib.crc32(f"plan-limit:{getattr(connection, 'schema_name', '')}:{kind}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def month_start(now: datetime | None = None) -> datetime:
    """The first instant of the current month (the project's time zone): monthly limits' window."""
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def catalog_payload() -> list[dict[str, Any]]:
    """The public catalog as the API shows it."""
    return [
        {
            "code": plan.code,
            "name": plan.name,
            "boleto": plan.boleto,
            "prices": [
                {
                    "interval": p.interval,
                    "amount": p.amount,
                    "currency": p.currency,
                    "lookup_key": plan.lookup_key(p.interval),
                }
                for p in plan.prices
            ],
            "limits": {name: getattr(plan.limits, name) for name in LIMIT_NAMES},
        }
        for plan in PLANS.values()
    ]
