"""Integers beyond 64 bits are found before they reach PostgreSQL or msgpack."""

from __future__ import annotations

import msgpack
import pytest

from pocdex_shared import parsers


@pytest.mark.parametrize(
    "document",
    [
        '{"revision": ' + "9" * 30 + "}",
        '{"n": 9223372036854775808}',
        '{"n": -9223372036854775809}',
        '[{"deep": [[{"x": 1' + "0" * 400 + "}]]}]",
        "1" + "0" * 20,
    ],
)
def test_integers_beyond_64_bits_anywhere_are_wide(document: str) -> None:
    assert parsers.has_wide_integer(parsers.loads(document)) is True


@pytest.mark.parametrize(
    "document",
    [
        '{"n": 9223372036854775807, "m": -9223372036854775808}',
        '{"f": 1e308, "ok": true, "none": null, "text": "' + "9" * 40 + '"}',
        '{"op": [3, "x", -1]}',
        "[]",
    ],
)
def test_what_fits_in_64_bits_passes_and_msgpack_carries_it(document: str) -> None:
    value = parsers.loads(document)
    assert parsers.has_wide_integer(value) is False
    assert msgpack.unpackb(msgpack.packb(value)) == value


def test_msgpack_refuses_what_the_check_finds() -> None:
    value = {"n": 2**64}
    assert parsers.has_wide_integer(value) is True
    with pytest.raises(OverflowError):
        msgpack.packb(value)


def test_a_wide_document_is_checked_without_recursion() -> None:
    value = [[1] * 10 for _ in range(10_000)] + [{"last": 2**70}]
    assert parsers.has_wide_integer(value) is True
