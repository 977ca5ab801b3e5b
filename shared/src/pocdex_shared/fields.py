"""Input fields that read numbers, dates and ids in ASCII digits only.

Python's ``int()`` and ``\\d`` accept every Unicode decimal digit ("٣" is 3,
full-width "2025" is 2025) and ``str.isdigit()`` also says yes to "²", which ``int()``
then refuses. DRF's fields inherit this: ``limit=٣`` was a limit of 3, a video
year "٣٠٢٥" the year 3025, a start date in full-width digits a date. The API
speaks ASCII digits; anything else is the field's usual ``invalid`` error (a
coded 400 in every service), never a silent conversion or a 500.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

_ASCII_INTEGER = re.compile(r"\s*[+-]?[0-9]+(?:\.0*)?\s*")


def _non_ascii(data: Any) -> bool:
    return isinstance(data, str) and not data.isascii()


class IntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str) and not (data.isascii() and _ASCII_INTEGER.fullmatch(data)):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class DateField(serializers.DateField):
    def to_internal_value(self, value: Any) -> Any:
        if _non_ascii(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class UUIDField(serializers.UUIDField):
    def to_internal_value(self, data: Any) -> Any:
        if _non_ascii(data):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)
