"""The wire form of what clients send: numbers in query strings.

Python's ``str.isdigit()``, ``int()`` and ``\\d`` accept digits of every
script (``"²"`` is a digit that ``int()`` refuses; ``"١٢"`` is twelve), so a
parameter is a whole number only when it is made of ASCII digits.
"""

from __future__ import annotations

import re

_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def whole_number(raw: str | None) -> int | None:
    """``raw`` as a non-negative integer of at most 18 ASCII digits, else None."""
    if raw is None or not _WHOLE_NUMBER.fullmatch(raw):
        return None
    return int(raw)
