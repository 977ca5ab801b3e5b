"""Text PostgreSQL cannot store (NUL, unpaired surrogates) is found before it is stored."""

from __future__ import annotations

import json

import pytest

from pocdex_shared import parsers


@pytest.mark.parametrize(
    "document",
    [
        '{"text": "a\\u0000b"}',
        '{"text": "\\ud800"}',
        '{"text": "tail \\udfff"}',
        '{"a\\u0000": 1}',
        '{"op": [3, "x\\u0000", -1]}',
        '[{"deep": [[{"x": "\\ud83d"}]]}]',
    ],
)
def test_nul_and_unpaired_surrogates_anywhere_are_unstorable(document: str) -> None:
    assert parsers.has_unstorable_text(parsers.loads(document)) is True


@pytest.mark.parametrize(
    "document",
    [
        '{"text": "Olá, mundo"}',
        '{"text": "\\ud83d\\ude00 a paired surrogate is an emoji"}',
        '{"op": [3, "print(1)\\n", -1], "n": 0, "ok": true, "none": null}',
        '"plain"',
        "[]",
    ],
)
def test_ordinary_text_is_storable(document: str) -> None:
    value = parsers.loads(document)
    assert parsers.has_unstorable_text(value) is False
    # What the check lets through, UTF-8 (and so PostgreSQL) can hold.
    json.dumps(value, ensure_ascii=False).encode("utf-8")


def test_a_wide_document_is_checked_without_recursion() -> None:
    value = [["ok"] * 10 for _ in range(10_000)] + [{"last": "\x00"}]
    assert parsers.has_unstorable_text(value) is True
