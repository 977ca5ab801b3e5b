"""How the billing pages show money and limits."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from pocdex_shared.plans import GIB, LIMIT_NAMES, Plan


def brl(centavos: int) -> str:
    """An amount in centavos as Brazilians write it, whatever the page's language: R$ 1.234,56."""
    sign = "-" if centavos < 0 else ""
    reais, cents = divmod(abs(int(centavos)), 100)
    grouped = f"{reais:,}".replace(",", ".")
    return f"{sign}R$\u00a0{grouped},{cents:02d}"


def money(amount: int, currency: str) -> str:
    """BRL in the Brazilian way; another currency (a provider's fixture) with its code."""
    if currency.lower() == "brl":
        return brl(amount)
    return f"{currency.upper()} {amount / 100:.2f}"


def _limit_labels() -> dict[str, str]:
    return {
        "members": _("Members"),
        "pocs": _("POCs"),
        "attachment_bytes": _("Attachment storage"),
        "dojos_per_month": _("Dojos per month"),
        "reports_per_month": _("Reports per month"),
        "videos_per_month": _("Videos per month"),
    }


def limit_value(name: str, value: int | None) -> str:
    if value is None:
        return _("Unlimited")
    if name == "attachment_bytes":
        return f"{value // GIB}\u00a0GB"
    return f"{value:,}".replace(",", ".")


def plan_card(plan: Plan) -> dict[str, Any]:
    """One plan as the page lists it: its prices in BRL and its limits."""
    labels = _limit_labels()
    return {
        "code": plan.code,
        "name": plan.name,
        "paid": plan.paid,
        "boleto": plan.boleto,
        "prices": [
            {"interval": price.interval, "amount": brl(price.amount)} for price in plan.prices
        ],
        "limits": [
            {"name": labels[name], "value": limit_value(name, getattr(plan.limits, name))}
            for name in LIMIT_NAMES
        ],
    }


def subscription_status_label(status: str) -> str:
    labels = {
        "none": _("No subscription (Free)"),
        "active": _("Active"),
        "trialing": _("Trial"),
        "past_due": _("Payment overdue"),
        "unpaid": _("Unpaid"),
        "canceled": _("Cancelled"),
        "incomplete": _("Waiting for the first payment"),
        "incomplete_expired": _("Expired"),
        "paused": _("Paused"),
    }
    return labels.get(status, status)


def invoice_status_label(status: str) -> str:
    labels = {
        "draft": _("Draft"),
        "open": _("Open"),
        "paid": _("Paid"),
        "uncollectible": _("Uncollectible"),
        "void": _("Void"),
    }
    return labels.get(status, status)
