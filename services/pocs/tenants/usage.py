"""What pocs counts against the plan's limits, served to accounts (pocdex_shared.usage)."""

from __future__ import annotations

from pocdex_shared.usage import register_usage


def register() -> None:
    from registry.selectors import attachment_bytes_used, pocs_used

    register_usage(pocs=pocs_used, attachment_bytes=attachment_bytes_used)
