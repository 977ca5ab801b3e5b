"""Numbers, dates and ids in ASCII digits only: other Unicode digits are the field's ``invalid``."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from rest_framework import serializers

from pocdex_shared import fields


class Input(serializers.Serializer):
    count = fields.IntegerField(required=False)
    day = fields.DateField(required=False)
    ref = fields.UUIDField(required=False)


def _errors(**data: object) -> dict[str, list[str]]:
    checked = Input(data=data)
    assert not checked.is_valid()
    return {name: [e.code for e in errors] for name, errors in checked.errors.items()}


@pytest.mark.parametrize(
    "value", ["\u0663", "\u00b2", "\uff13", "1\u00b2", "\u0661\u0660", " \u0663 ", "3\u0663"]
)
def test_integers_in_other_digits_are_invalid(value):
    assert _errors(count=value) == {"count": ["invalid"]}


@pytest.mark.parametrize(
    "value", ["\u0662\u0660\u0662\u0665-01-01", "\uff12\uff10\uff12\uff15-01-01", "2025-0\u00b2-01"]
)
def test_dates_in_other_digits_are_invalid(value):
    assert _errors(day=value) == {"day": ["invalid"]}


def test_ids_in_other_digits_are_invalid():
    assert _errors(ref="0000000\u0663-0000-4000-8000-000000000001") == {"ref": ["invalid"]}


def test_ascii_values_read_as_before():
    ref = uuid.uuid4()
    checked = Input(data={"count": " 42 ", "day": "2025-03-07", "ref": str(ref)})
    assert checked.is_valid(), checked.errors
    assert checked.validated_data == {"count": 42, "day": dt.date(2025, 3, 7), "ref": ref}
    assert Input(data={"count": 7}).is_valid()
    assert Input(data={"count": "5.0"}).is_valid()
    assert _errors(count="ten") == {"count": ["invalid"]}
