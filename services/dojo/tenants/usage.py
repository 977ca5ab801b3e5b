"""What dojo counts against the plan's limits, served to accounts (pocdex_shared.usage)."""

from __future__ import annotations

from pocdex_shared.usage import register_usage


def register() -> None:
    from dojos.selectors import dojos_this_month

    register_usage(dojos_per_month=dojos_this_month)
