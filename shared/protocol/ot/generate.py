"""Write the OT test vectors in this folder: hand-written edge cases plus seeded random ones.

    var/venv/bin/python shared/protocol/ot/generate.py          # rewrite the *.json files
    var/venv/bin/python shared/protocol/ot/generate.py --check  # exit 1 if they would change

Hand-written cases carry expectations typed by hand (``"source": "hand"``); the
script refuses to write them if the Python implementation disagrees. Generated
cases (``"source": "generated"``) record what pocdex_shared.ot computes for
seeded random inputs: they pin this implementation's behaviour so that the
Kotlin and Swift clients reproduce it. Output is a pure function of this file
and the implementation (fixed seeds, no clock, no hash ordering), and
shared/tests/test_ot_vectors.py fails if the committed files drift from it.
The format is described in README.md and docs/protocol/ot.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pocdex_shared.ot import (
    OTClient,
    OTError,
    OTServerDocument,
    Selection,
    TextOperation,
    TextOperationBuilder,
    compose,
    transform,
    transform_index,
)

HERE = Path(__file__).resolve().parent
FORMAT = "pocdex-ot-vectors"
VERSION = 1

Json = Any

# Pieces random text is made of: ASCII, Portuguese (precomposed), a decomposed
# "é" (e + U+0301), CRLF, and characters outside the BMP: an emoji, an emoji
# with a skin-tone modifier, a flag (two regional indicators) and a ZWJ family.
PIECES = (
    "a",
    "b",
    "x",
    " ",
    "\n",
    "\r\n",
    "ç",
    "ã",
    "olá",
    "coração",
    "e\u0301",
    "\U0001f600",
    "\U0001f44d\U0001f3fd",
    "\U0001f1e7\U0001f1f7",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
)


def seeded(seed: int) -> random.Random:
    """Reproducible test data, not secrets."""
    return random.Random(seed)  # noqa: S311


def op(components: list[Any]) -> TextOperation:
    return TextOperation(components)


# ----------------------------------------------------------------------------- random input


def random_text(rng: random.Random, pieces: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(pieces))


def random_operation(rng: random.Random, document: str) -> TextOperation:
    builder = TextOperationBuilder()
    remaining = len(document)
    while remaining:
        roll = rng.random()
        if roll < 0.2:
            builder.insert(random_text(rng, rng.randint(1, 2)))
        elif roll < 0.5:
            count = rng.randint(1, min(remaining, 4))
            builder.delete(count)
            remaining -= count
        else:
            count = rng.randint(1, remaining)
            builder.retain(count)
            remaining -= count
    if rng.random() < 0.3 or not document:
        builder.insert(random_text(rng, rng.randint(1, 2)))
    return builder.build()


# ----------------------------------------------------------------------------- apply


HAND_APPLY: list[dict[str, Json]] = [
    {"name": "empty operation on the empty document", "doc": "", "operation": [],
     "result": "", "inverse": [], "is_noop": True},
    {"name": "a lone retain changes nothing", "doc": "abc", "operation": [3],
     "result": "abc", "inverse": [3], "is_noop": True},
    {"name": "insert at the start", "doc": "world", "operation": ["hello ", 5],
     "result": "hello world", "inverse": [-6, 5], "is_noop": False},
    {"name": "delete everything", "doc": "abc", "operation": [-3],
     "result": "", "inverse": ["abc"], "is_noop": False},
    {"name": "replace in the middle: insert comes before delete", "doc": "abcdef",
     "operation": [2, "XY", -2, 2], "result": "abXYef", "inverse": [2, "cd", -2, 2],
     "is_noop": False},
    {"name": "an emoji outside the BMP is one code point (two UTF-16 units)",
     "doc": "a\U0001f600b", "operation": [1, -1, 1], "result": "ab",
     "inverse": [1, "\U0001f600", 1], "is_noop": False},
    {"name": "append after two emoji: base length 2, not 4", "doc": "\U0001f600\U0001f600",
     "operation": [2, "!"], "result": "\U0001f600\U0001f600!", "inverse": [2, -1],
     "is_noop": False},
    {"name": "delete only the combining accent of a decomposed é (one grapheme, two code points)",
     "doc": "e\u0301", "operation": [1, -1], "result": "e", "inverse": [1, "\u0301"],
     "is_noop": False},
    {"name": "precomposed é (one code point) replaced by decomposed é (two)",
     "doc": "\u00e9", "operation": ["e\u0301", -1], "result": "e\u0301",
     "inverse": ["\u00e9", -2], "is_noop": False},
    {"name": "Portuguese: não becomes nação", "doc": "não", "operation": [1, "aç", 2],
     "result": "nação", "inverse": [1, -2, 2], "is_noop": False},
    {"name": "delete one regional indicator out of a flag", "doc": "\U0001f1e7\U0001f1f7",
     "operation": [1, -1], "result": "\U0001f1e7", "inverse": [1, "\U0001f1f7"],
     "is_noop": False},
    {"name": "a ZWJ family emoji is five code points", "doc": "\U0001f468\u200d\U0001f469\u200d\U0001f467",
     "operation": [5, "!"], "result": "\U0001f468\u200d\U0001f469\u200d\U0001f467!",
     "inverse": [5, -1], "is_noop": False},
    {"name": "CRLF is two code points (one grapheme in Swift)", "doc": "a\r\nb",
     "operation": [1, -2, 1], "result": "ab", "inverse": [1, "\r\n", 1], "is_noop": False},
    {"name": "remove the skin-tone modifier of an emoji", "doc": "\U0001f44d\U0001f3fd",
     "operation": [1, -1], "result": "\U0001f44d", "inverse": [1, "\U0001f3fd"],
     "is_noop": False},
]  # fmt: skip


def apply_case(name: str, source: str, doc: str, operation: TextOperation) -> dict[str, Json]:
    return {
        "name": name,
        "source": source,
        "doc": doc,
        "operation": operation.to_json(),
        "base_length": operation.base_length,
        "target_length": operation.target_length,
        "result": operation.apply(doc),
        "inverse": operation.invert(doc).to_json(),
        "is_noop": operation.is_noop(),
    }


def build_apply() -> dict[str, Json]:
    cases = []
    for hand in HAND_APPLY:
        case = apply_case(hand["name"], "hand", hand["doc"], op(hand["operation"]))
        expect(case, hand, ("result", "inverse", "is_noop"))
        cases.append(case)
    rng = seeded(1001)
    for number in range(40):
        doc = random_text(rng, rng.randint(0, 8))
        cases.append(apply_case(f"random {number}", "generated", doc, random_operation(rng, doc)))
    return envelope(
        "apply",
        "operation.apply(doc) == result; base_length, target_length, invert(doc), is_noop.",
        cases,
    )


# ----------------------------------------------------------------------------- compose


HAND_COMPOSE: list[dict[str, Json]] = [
    {"name": "insert then delete of the same text cancels out", "doc": "abc",
     "a": ["x", 3], "b": [-1, 3], "composed": [3]},
    {"name": "two inserts merge into one", "doc": "", "a": ["ab"], "b": [1, "c", 1],
     "composed": ["acb"]},
    {"name": "delete then insert at the same place: insert first in canonical form",
     "doc": "abc", "a": [-1, 2], "b": ["x", 2], "composed": ["x", -1, 2]},
    {"name": "emoji then a flag, then half the flag removed", "doc": "\U0001f600",
     "a": [1, "\U0001f1e7\U0001f1f7"], "b": [2, -1], "composed": [1, "\U0001f1e7"]},
    {"name": "a delete spanning original and inserted text", "doc": "abcd",
     "a": [2, "XY", 2], "b": [1, -3, 2], "composed": [1, -1, 2]},
]  # fmt: skip


def compose_case(
    name: str, source: str, doc: str, a: TextOperation, b: TextOperation
) -> dict[str, Json]:
    composed = compose(a, b)
    return {
        "name": name,
        "source": source,
        "doc": doc,
        "a": a.to_json(),
        "b": b.to_json(),
        "composed": composed.to_json(),
        "result": composed.apply(doc),
    }


def build_compose() -> dict[str, Json]:
    cases = []
    for hand in HAND_COMPOSE:
        case = compose_case(hand["name"], "hand", hand["doc"], op(hand["a"]), op(hand["b"]))
        expect(case, hand, ("composed",))
        cases.append(case)
    rng = seeded(2002)
    for number in range(40):
        doc = random_text(rng, rng.randint(0, 8))
        a = random_operation(rng, doc)
        b = random_operation(rng, a.apply(doc))
        cases.append(compose_case(f"random {number}", "generated", doc, a, b))
    return envelope(
        "compose",
        "compose(a, b) == composed; composed.apply(doc) == result == b.apply(a.apply(doc)).",
        cases,
    )


# ----------------------------------------------------------------------------- transform


HAND_TRANSFORM: list[dict[str, Json]] = [
    {"name": "tie-break: both insert at the same position, a's text comes first", "doc": "",
     "a": ["a"], "b": ["b"], "a_prime": ["a", 1], "b_prime": [1, "b"], "result": "ab"},
    {"name": "tie-break between two emoji: positions in code points",
     "doc": "\U0001f600\U0001f600", "a": [1, "x", 1], "b": [1, "y", 1],
     "a_prime": [1, "x", 2], "b_prime": [2, "y", 1], "result": "\U0001f600xy\U0001f600"},
    {"name": "both delete the same character", "doc": "abc", "a": [1, -1, 1],
     "b": [1, -1, 1], "a_prime": [2], "b_prime": [2], "result": "ac"},
    {"name": "overlapping deletes", "doc": "abcdef", "a": [1, -3, 2], "b": [2, -3, 1],
     "a_prime": [1, -1, 1], "b_prime": [1, -1, 1], "result": "af"},
    {"name": "insert inside a range the other deletes survives", "doc": "abcd",
     "a": [1, "X", 3], "b": [-4], "a_prime": ["X"], "b_prime": [-1, 1, -3], "result": "X"},
    {"name": "a accents e with U+0301 while b replaces e by precomposed é", "doc": "e",
     "a": [1, "\u0301"], "b": ["\u00e9", -1], "a_prime": [1, "\u0301"],
     "b_prime": ["\u00e9", -1, 1], "result": "\u00e9\u0301"},
    {"name": "Portuguese: two edits of não", "doc": "não", "a": [1, "aç", 2],
     "b": [3, " sei"], "a_prime": [1, "aç", 6], "b_prime": [5, " sei"],
     "result": "nação sei"},
    {"name": "b inserts where a deletes: the insert stays", "doc": "abc", "a": [-1, 2],
     "b": ["x", 3], "a_prime": [1, -1, 2], "b_prime": ["x", 2], "result": "xbc"},
]  # fmt: skip


def transform_case(
    name: str, source: str, doc: str, a: TextOperation, b: TextOperation
) -> dict[str, Json]:
    a_prime, b_prime = transform(a, b)
    result = b_prime.apply(a.apply(doc))
    if a_prime.apply(b.apply(doc)) != result:
        raise SystemExit(f"transform case {name!r} does not converge")
    return {
        "name": name,
        "source": source,
        "doc": doc,
        "a": a.to_json(),
        "b": b.to_json(),
        "a_prime": a_prime.to_json(),
        "b_prime": b_prime.to_json(),
        "result": result,
    }


def build_transform() -> dict[str, Json]:
    cases = []
    for hand in HAND_TRANSFORM:
        case = transform_case(hand["name"], "hand", hand["doc"], op(hand["a"]), op(hand["b"]))
        expect(case, hand, ("a_prime", "b_prime", "result"))
        cases.append(case)
    rng = seeded(3003)
    for number in range(60):
        doc = random_text(rng, rng.randint(0, 8))
        a, b = random_operation(rng, doc), random_operation(rng, doc)
        cases.append(transform_case(f"random {number}", "generated", doc, a, b))
    return envelope(
        "transform",
        "transform(a, b) == (a_prime, b_prime); b_prime.apply(a.apply(doc)) =="
        " a_prime.apply(b.apply(doc)) == result. a's insert goes first at equal positions.",
        cases,
    )


# ----------------------------------------------------------------------------- cursor


HAND_CURSOR: list[dict[str, Json]] = [
    {"name": "insert before the cursor moves it", "doc": "abc", "operation": ["x", 3],
     "index": 1, "expected": 2},
    {"name": "insert exactly at the cursor pushes it after the insert", "doc": "abc",
     "operation": [1, "x", 2], "index": 1, "expected": 2},
    {"name": "insert after the cursor leaves it", "doc": "abc", "operation": [2, "x", 1],
     "index": 1, "expected": 1},
    {"name": "a delete around the cursor pulls it to the deletion start", "doc": "abc",
     "operation": [1, -2], "index": 2, "expected": 1},
    {"name": "a delete before the cursor", "doc": "abc", "operation": [-1, 2], "index": 3,
     "expected": 2},
    {"name": "cursor at the end, text appended", "doc": "abc", "operation": [3, "!"],
     "index": 3, "expected": 4},
    {"name": "a flag inserted before the cursor counts two code points",
     "doc": "\U0001f600ab", "operation": ["\U0001f1e7\U0001f1f7", 3], "index": 1,
     "expected": 3},
    {"name": "cursor at 0, everything replaced", "doc": "abc", "operation": ["xy", -3],
     "index": 0, "expected": 2},
    {"name": "a selection shrinks when part of it is deleted", "doc": "abc",
     "operation": ["x", -2, 1], "selection": {"ranges": [{"anchor": 1, "head": 3}]},
     "expected": {"ranges": [{"anchor": 1, "head": 2}]}},
    {"name": "a backwards selection keeps anchor after head", "doc": "abcd",
     "operation": [1, "ç", 3], "selection": {"ranges": [{"anchor": 4, "head": 0}]},
     "expected": {"ranges": [{"anchor": 5, "head": 0}]}},
    {"name": "several ranges move independently", "doc": "abcd",
     "operation": [2, -1, 1, "\U0001f600"],
     "selection": {"ranges": [{"anchor": 0, "head": 0}, {"anchor": 3, "head": 4}]},
     "expected": {"ranges": [{"anchor": 0, "head": 0}, {"anchor": 2, "head": 4}]}},
    {"name": "an empty selection stays empty", "doc": "ab", "operation": [-2],
     "selection": {"ranges": []}, "expected": {"ranges": []}},
]  # fmt: skip


def cursor_case(
    name: str, source: str, doc: str, operation: TextOperation, position: int | Selection
) -> dict[str, Json]:
    case: dict[str, Json] = {
        "name": name,
        "source": source,
        "doc": doc,
        "operation": operation.to_json(),
    }
    if isinstance(position, Selection):
        case["selection"] = position.to_json()
        case["expected"] = position.transform(operation).to_json()
    else:
        case["index"] = position
        case["expected"] = transform_index(operation, position)
    return case


def build_cursor() -> dict[str, Json]:
    cases = []
    for hand in HAND_CURSOR:
        position: int | Selection = (
            Selection.from_json(hand["selection"]) if "selection" in hand else hand["index"]
        )
        case = cursor_case(hand["name"], "hand", hand["doc"], op(hand["operation"]), position)
        expect(case, hand, ("expected",))
        cases.append(case)
    rng = seeded(4004)
    for number in range(30):
        doc = random_text(rng, rng.randint(0, 8))
        operation = random_operation(rng, doc)
        cases.append(
            cursor_case(f"random {number}", "generated", doc, operation, rng.randint(0, len(doc)))
        )
    return envelope(
        "cursor",
        "transform_index(operation, index) == expected, or, for a selection, every range's"
        " anchor and head transformed. doc is the document the operation applies to.",
        cases,
    )


# ----------------------------------------------------------------------------- invalid

SERVER_ABC = {"text": "abc", "revision": 0, "history": []}
# Revision 5, only the last two operations retained: oldest usable revision is 3.
SERVER_TRIMMED = {"text": "abcde", "revision": 5, "history": [[3, "d"], [4, "e"]]}
SERVER_ONE_OP = {"text": "xabc", "revision": 1, "history": [["x", 3]]}

HAND_INVALID: list[dict[str, Json]] = [
    # --- parse: the wire text of an operation
    {"name": "an object", "check": "parse", "wire": '{"retain": 1}', "code": "invalid_operation"},
    {"name": "null", "check": "parse", "wire": "null", "code": "invalid_operation"},
    {"name": "a string", "check": "parse", "wire": '"abc"', "code": "invalid_operation"},
    {"name": "a number", "check": "parse", "wire": "3", "code": "invalid_operation"},
    {"name": "zero retain", "check": "parse", "wire": "[0]", "code": "invalid_operation"},
    {"name": "negative zero", "check": "parse", "wire": "[-0]", "code": "invalid_operation"},
    {"name": "empty insert", "check": "parse", "wire": '[""]', "code": "invalid_operation"},
    {"name": "two retains in a row", "check": "parse", "wire": "[1, 2]", "code": "invalid_operation"},
    {"name": "two inserts in a row", "check": "parse", "wire": '["a", "b"]', "code": "invalid_operation"},
    {"name": "two deletes in a row", "check": "parse", "wire": "[-1, -2]", "code": "invalid_operation"},
    {"name": "delete before insert at the same position", "check": "parse", "wire": '[-1, "a"]', "code": "invalid_operation"},
    {"name": "insert, delete, insert", "check": "parse", "wire": '["a", -1, "b"]', "code": "invalid_operation"},
    {"name": "a float that happens to be whole", "check": "parse", "wire": "[1.0]", "code": "invalid_operation"},
    {"name": "a fraction", "check": "parse", "wire": "[1.5]", "code": "invalid_operation"},
    {"name": "an exponent", "check": "parse", "wire": "[1e2]", "code": "invalid_operation"},
    {"name": "true", "check": "parse", "wire": "[true]", "code": "invalid_operation"},
    {"name": "false", "check": "parse", "wire": "[false]", "code": "invalid_operation"},
    {"name": "null component", "check": "parse", "wire": "[null]", "code": "invalid_operation"},
    {"name": "nested array", "check": "parse", "wire": "[[1]]", "code": "invalid_operation"},
    {"name": "object component", "check": "parse", "wire": '[{"insert": "a"}]', "code": "invalid_operation"},
    {"name": "retain beyond 2^31-1", "check": "parse", "wire": "[2147483648]", "code": "invalid_operation"},
    {"name": "delete beyond 2^31-1", "check": "parse", "wire": "[-2147483648]", "code": "invalid_operation"},
    {"name": "an integer beyond 64 bits", "check": "parse", "wire": "[100000000000000000000000000000]", "code": "invalid_operation"},
    {"name": "largest retain is fine", "check": "parse", "wire": "[2147483647]", "code": None},
    {"name": "base length beyond 2^31-1", "check": "parse", "wire": '[2147483647, "a", 1]', "code": "invalid_operation"},
    {"name": "lone high surrogate", "check": "parse", "wire": '["\\ud800"]', "code": "invalid_operation"},
    {"name": "lone low surrogate before text", "check": "parse", "wire": '["\\udc00x"]', "code": "invalid_operation"},
    {"name": "an escaped surrogate pair is one emoji", "check": "parse", "wire": '["\\ud83d\\ude00"]', "code": None},
    {"name": "size over the limit: 1 component + 6 code points", "check": "parse", "wire": '["abcdef"]', "max_size": 5, "code": "operation_too_large"},
    {"name": "size at the limit: 1 component + 4 code points", "check": "parse", "wire": '["abcd"]', "max_size": 5, "code": None},
    {"name": "size counts code points: 1 component + 2 emoji", "check": "parse", "wire": '["\\ud83d\\ude00\\ud83d\\ude00"]', "max_size": 3, "code": None},
    {"name": "more components than the limit", "check": "parse", "wire": '[1, "a", 1]', "max_size": 2, "code": "operation_too_large"},
    # --- apply / compose / transform on operations that do not fit
    {"name": "retain shorter than the document", "check": "apply", "doc": "abc", "operation": [2], "code": "length_mismatch"},
    {"name": "retain longer than the document", "check": "apply", "doc": "abc", "operation": [4], "code": "length_mismatch"},
    {"name": "an emoji counted as two UTF-16 units", "check": "apply", "doc": "\U0001f600", "operation": [2], "code": "length_mismatch"},
    {"name": "a decomposed é counted as one grapheme", "check": "apply", "doc": "e\u0301", "operation": [1], "code": "length_mismatch"},
    {"name": "invert against the wrong document", "check": "invert", "doc": "ab", "operation": [3], "code": "length_mismatch"},
    {"name": "compose: a's target is not b's base", "check": "compose", "a": ["x"], "b": [2], "code": "length_mismatch"},
    {"name": "transform: different base lengths", "check": "transform", "a": [1], "b": [2], "code": "length_mismatch"},
    # --- cursors and selections
    {"name": "index past the end", "check": "cursor", "operation": [3], "index": "4", "code": "index_out_of_range"},
    {"name": "negative index", "check": "cursor", "operation": [3], "index": "-1", "code": "index_out_of_range"},
    {"name": "index in UTF-16 units past an emoji", "check": "cursor", "operation": [1], "index": "2", "code": "index_out_of_range"},
    {"name": "index that is not an integer", "check": "cursor", "operation": [3], "index": "1.5", "code": "index_out_of_range"},
    {"name": "selection that is an array", "check": "selection", "wire": "[]", "code": "invalid_selection"},
    {"name": "ranges that is an object", "check": "selection", "wire": '{"ranges": {}}', "code": "invalid_selection"},
    {"name": "range without head", "check": "selection", "wire": '{"ranges": [{"anchor": 1}]}', "code": "invalid_selection"},
    {"name": "range with an extra key", "check": "selection", "wire": '{"ranges": [{"anchor": 1, "head": 1, "x": 0}]}', "code": "invalid_selection"},
    {"name": "fractional anchor", "check": "selection", "wire": '{"ranges": [{"anchor": 1.5, "head": 1}]}', "code": "invalid_selection"},
    {"name": "negative anchor", "check": "selection", "wire": '{"ranges": [{"anchor": -1, "head": 1}]}', "code": "invalid_selection"},
    {"name": "boolean head", "check": "selection", "wire": '{"ranges": [{"anchor": 0, "head": true}]}', "code": "invalid_selection"},
    {"name": "selection with an extra key", "check": "selection", "wire": '{"ranges": [], "primary": 0}', "code": "invalid_selection"},
    {"name": "65 ranges", "check": "selection", "wire": '{"ranges": [' + ", ".join(['{"anchor": 0, "head": 0}'] * 65) + "]}", "code": "invalid_selection"},
    {"name": "64 ranges", "check": "selection", "wire": '{"ranges": [' + ", ".join(['{"anchor": 0, "head": 0}'] * 64) + "]}", "code": None},
    # --- the server: operation, then revision, then length, then result size
    {"name": "revision in the future", "check": "server", "server": SERVER_ABC, "revision": "1", "operation": "[3]", "code": "revision_out_of_range"},
    {"name": "negative revision", "check": "server", "server": SERVER_ABC, "revision": "-1", "operation": "[3]", "code": "revision_out_of_range"},
    {"name": "revision as a string", "check": "server", "server": SERVER_ABC, "revision": '"0"', "operation": "[3]", "code": "revision_out_of_range"},
    {"name": "revision as a float", "check": "server", "server": SERVER_ABC, "revision": "0.0", "operation": "[3]", "code": "revision_out_of_range"},
    {"name": "revision as a boolean", "check": "server", "server": SERVER_ABC, "revision": "false", "operation": "[3]", "code": "revision_out_of_range"},
    {"name": "revision null", "check": "server", "server": SERVER_ABC, "revision": "null", "operation": "[3]", "code": "revision_out_of_range"},
    {"name": "revision older than the retained history", "check": "server", "server": SERVER_TRIMMED, "revision": "2", "operation": "[3]", "code": "revision_too_old"},
    {"name": "oldest retained revision is accepted", "check": "server", "server": SERVER_TRIMMED, "revision": "3", "operation": '["z", 3]', "code": None},
    {"name": "operation too short for the current document", "check": "server", "server": SERVER_ABC, "revision": "0", "operation": "[4]", "code": "length_mismatch"},
    {"name": "operation too short for the document at its revision", "check": "server", "server": SERVER_ONE_OP, "revision": "0", "operation": "[4]", "code": "length_mismatch"},
    {"name": "the document would grow past the limit", "check": "server", "server": {**SERVER_ABC, "max_document_length": 5}, "revision": "0", "operation": '[3, "def"]', "code": "document_too_large"},
    {"name": "the document reaches the limit exactly", "check": "server", "server": {**SERVER_ABC, "max_document_length": 5}, "revision": "0", "operation": '[3, "de"]', "code": None},
    {"name": "operation over the size limit", "check": "server", "server": {**SERVER_ABC, "max_operation_size": 5}, "revision": "0", "operation": '[3, "abcd"]', "code": "operation_too_large"},
    {"name": "operation is checked before the revision", "check": "server", "server": SERVER_ABC, "revision": "99", "operation": "[0]", "code": "invalid_operation"},
    {"name": "revision is checked before the length", "check": "server", "server": SERVER_ABC, "revision": "99", "operation": "[99]", "code": "revision_out_of_range"},
    {"name": "garbage operation", "check": "server", "server": SERVER_ABC, "revision": "0", "operation": '{"ops": [3]}', "code": "invalid_operation"},
]  # fmt: skip


def run_invalid(case: dict[str, Json]) -> str | None:
    """The code the implementation answers ``case`` with (None: accepted)."""
    check = case["check"]
    actions: dict[str, Callable[[], object]] = {
        "parse": lambda: TextOperation.from_json(
            json.loads(case["wire"]), max_size=case.get("max_size")
        ),
        "apply": lambda: op(case["operation"]).apply(case["doc"]),
        "invert": lambda: op(case["operation"]).invert(case["doc"]),
        "compose": lambda: compose(op(case["a"]), op(case["b"])),
        "transform": lambda: transform(op(case["a"]), op(case["b"])),
        "cursor": lambda: transform_index(op(case["operation"]), json.loads(case["index"])),
        "selection": lambda: Selection.from_json(json.loads(case["wire"])),
        "server": lambda: server_from(case["server"]).receive(
            json.loads(case["operation"]), json.loads(case["revision"])
        ),
    }
    try:
        actions[check]()
    except OTError as error:
        return error.code.value
    return None


def server_from(setup: dict[str, Json]) -> OTServerDocument:
    limits = {k: setup[k] for k in ("max_document_length", "max_operation_size") if k in setup}
    return OTServerDocument(
        text=setup["text"],
        revision=setup["revision"],
        history=[op(h) for h in setup["history"]],
        max_history=len(setup["history"]) if setup["history"] else None,
        **limits,
    )


def build_invalid() -> dict[str, Json]:
    cases = []
    for hand in HAND_INVALID:
        got = run_invalid(hand)
        if got != hand["code"]:
            raise SystemExit(f"invalid case {hand['name']!r}: expected {hand['code']}, got {got}")
        cases.append({"name": hand["name"], "source": "hand", **hand})
    return envelope(
        "invalid",
        "Inputs and the error code each must produce (code null: must be accepted)."
        " Fields named wire, operation (for server), revision and index hold JSON *text*.",
        cases,
    )


# ----------------------------------------------------------------------------- convergence


class Session:
    """Clients and a server joined by FIFO links, recording every step as a vector."""

    def __init__(self, doc: str, names: list[str]) -> None:
        self.doc = doc
        self.names = names
        self.server = OTServerDocument(text=doc)
        self.clients = {name: OTClient(document=doc) for name in names}
        self.uplink: dict[str, deque[dict[str, Json]]] = {name: deque() for name in names}
        self.downlink: dict[str, deque[dict[str, Json]]] = {name: deque() for name in names}
        self.steps: list[dict[str, Json]] = []

    def send(self, name: str, outgoing: Any) -> dict[str, Json] | None:
        if outgoing is None:
            return None
        message = {"revision": outgoing.revision, "operation": outgoing.operation.to_json()}
        self.uplink[name].append(message)
        return message

    def edit(self, name: str, operation: TextOperation) -> None:
        client = self.clients[name]
        sends = self.send(name, client.apply_local(operation))
        self.steps.append(
            {"step": "edit", "client": name, "operation": operation.to_json(),
             "sends": sends, "client_state": client.to_json()}
        )  # fmt: skip

    def server_receive(self, name: str) -> None:
        message = self.uplink[name].popleft()
        accepted = self.server.receive(message["operation"], message["revision"])
        for other in self.names:
            if other == name:
                self.downlink[other].append({"type": "ack", "revision": accepted.revision})
            else:
                self.downlink[other].append(
                    {"type": "operation", "revision": accepted.revision,
                     "operation": accepted.operation.to_json()}
                )  # fmt: skip
        self.steps.append(
            {"step": "server_receive", "client": name, "message": message,
             "applied": accepted.operation.to_json(), "revision": accepted.revision,
             "document": self.server.text}
        )  # fmt: skip

    def client_receive(self, name: str) -> None:
        client = self.clients[name]
        message = self.downlink[name].popleft()
        step: dict[str, Json] = {"step": "client_receive", "client": name, "message": message}
        if message["type"] == "ack":
            step["sends"] = self.send(name, client.server_ack())
        else:
            step["editor_operation"] = client.apply_server(op(message["operation"])).to_json()
        if client.revision != message["revision"]:
            raise SystemExit("client revision does not follow the server's")
        step["client_state"] = client.to_json()
        self.steps.append(step)

    def drain(self) -> None:
        while any(self.uplink.values()) or any(self.downlink.values()):
            for name in self.names:
                while self.uplink[name]:
                    self.server_receive(name)
            for name in self.names:
                while self.downlink[name]:
                    self.client_receive(name)

    def vector(self, name: str, source: str) -> dict[str, Json]:
        self.drain()
        for client in self.clients.values():
            if client.document != self.server.text or client.outstanding is not None:
                raise SystemExit(f"session {name!r} did not converge")
        return {
            "name": name,
            "source": source,
            "doc": self.doc,
            "clients": self.names,
            "steps": self.steps,
            "final": {
                "document": self.server.text,
                "revision": self.server.revision,
                "history": [h.to_json() for h in self.server.history],
                "clients": {n: self.clients[n].to_json() for n in self.names},
            },
        }


HAND_SESSIONS: list[dict[str, Json]] = [
    {
        "name": "two clients insert at the same position: the later-sequenced insert goes first",
        "doc": "",
        "clients": ["A", "B"],
        "script": [("edit", "A", ["a"]), ("edit", "B", ["b"]), ("server", "A"),
                   ("server", "B"), ("client", "A"), ("client", "A"), ("client", "B"),
                   ("client", "B")],
        "document": "ba",
        "history": [["a"], ["b", 1]],
    },
    {
        "name": "a buffered edit is sent after the acknowledgement, rebased on the way",
        "doc": "abc",
        "clients": ["A", "B"],
        "script": [("edit", "A", [3, "d"]), ("edit", "A", [4, "e"]), ("edit", "B", ["X", 3]),
                   ("server", "B"), ("server", "A"), ("client", "A"), ("client", "A"),
                   ("client", "B"), ("client", "B"), ("server", "A"), ("client", "A"),
                   ("client", "B")],
        "document": "Xabcde",
        "history": [["X", 3], [4, "d"], [5, "e"]],
    },
    {
        "name": "three clients: delete an emoji, insert a flag after it, append ç",
        "doc": "a\U0001f600b",
        "clients": ["A", "B", "C"],
        "script": [("edit", "A", [1, -1, 1]), ("edit", "B", [2, "\U0001f1e7\U0001f1f7", 1]),
                   ("edit", "C", [3, "ç"]), ("server", "C"), ("server", "A"), ("server", "B")],
        "document": "a\U0001f1e7\U0001f1f7bç",
        "history": [[3, "ç"], [1, -1, 2], [1, "\U0001f1e7\U0001f1f7", 2]],
    },
]  # fmt: skip


def build_convergence() -> dict[str, Json]:
    sessions = []
    for hand in HAND_SESSIONS:
        session = Session(hand["doc"], hand["clients"])
        for action, name, *rest in hand["script"]:
            if action == "edit":
                session.edit(name, op(rest[0]))
            elif action == "server":
                session.server_receive(name)
            else:
                session.client_receive(name)
        vector = session.vector(hand["name"], "hand")
        final = vector["final"]
        if (final["document"], final["history"]) != (hand["document"], hand["history"]):
            raise SystemExit(f"session {hand['name']!r}: got {final}")
        sessions.append(vector)
    rng = seeded(5005)
    for number in range(12):
        names = ["A", "B", "C", "D"][: rng.randint(2, 4)]
        session = Session(random_text(rng, rng.randint(0, 6)), names)
        for _ in range(rng.randint(10, 30)):
            name = rng.choice(names)
            roll = rng.random()
            if roll < 0.4:
                client = session.clients[name]
                session.edit(name, random_operation(rng, client.document))
            elif roll < 0.7 and session.uplink[name]:
                session.server_receive(name)
            elif session.downlink[name]:
                session.client_receive(name)
        sessions.append(session.vector(f"random session {number}", "generated"))
    return envelope(
        "convergence",
        "Multi-client sessions replayed step by step through the client state machine and"
        " a server over FIFO links; the steps are complete (the last ones drain every link)"
        " and end with every client synchronized on the server's document.",
        sessions,
    )


# ----------------------------------------------------------------------------- output


def expect(case: dict[str, Json], hand: dict[str, Json], keys: tuple[str, ...]) -> None:
    for key in keys:
        if case[key] != hand[key]:
            raise SystemExit(
                f"hand-written case {hand['name']!r}: {key} is {case[key]!r},"
                f" the case says {hand[key]!r}"
            )


def envelope(kind: str, description: str, cases: list[dict[str, Json]]) -> dict[str, Json]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "description": description,
        "cases": cases,
    }


def dumps(value: Json, indent: int = 0) -> str:
    """JSON, ASCII-only (so no tool can normalize the Unicode), one case field per line."""
    flat = json.dumps(value, ensure_ascii=True)
    if not isinstance(value, dict | list) or len(flat) + indent <= 96 or not value:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, list):
        items = [pad + dumps(item, indent + 2) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
    items = [f"{pad}{json.dumps(key)}: {dumps(item, indent + 2)}" for key, item in value.items()]
    return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"


BUILDERS: dict[str, Callable[[], dict[str, Json]]] = {
    "apply.json": build_apply,
    "compose.json": build_compose,
    "transform.json": build_transform,
    "cursor.json": build_cursor,
    "invalid.json": build_invalid,
    "convergence.json": build_convergence,
}


def build() -> dict[str, str]:
    """File name -> the exact text the file must hold."""
    return {name: dumps(builder()) + "\n" for name, builder in BUILDERS.items()}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if a file would change")
    args = parser.parse_args(argv)
    stale = []
    for name, text in build().items():
        path = HERE / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("stale vectors: " + ", ".join(stale) + " (run generate.py)", file=sys.stderr)
        return 1
    print(("would change: " if args.check else "written: ") + (", ".join(stale) or "nothing"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
