"""What media counts against the plan's limits, served to accounts (pocdex_shared.usage)."""

from __future__ import annotations

from functools import partial

from pocdex_shared.usage import register_usage


def register() -> None:
    from jobs.selectors import PLAN_LIMIT_OF_KIND, renders_this_month

    register_usage(
        **{limit: partial(renders_this_month, kind) for kind, limit in PLAN_LIMIT_OF_KIND.items()}
    )
