"""Bad input never crashes the OT core: it is refused with a coded OTError, state untouched."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from typing import Any

import pytest

from pocdex_shared.ot import (
    MAX_LENGTH,
    OTClient,
    OTError,
    OTErrorCode,
    OTServerDocument,
    Selection,
    TextOperation,
    TextOperationBuilder,
    UnexpectedAcknowledgementError,
    check_revision,
    rebase,
    transform_index,
)

GARBAGE: list[Any] = [
    None,
    True,
    0,
    1.5,
    "abc",
    {},
    {"ops": [1]},
    (1,),
    [None],
    [True],
    [False],
    [1.0],
    [math.nan],
    [math.inf],
    [-math.inf],
    [[1]],
    [[]],
    [{}],
    [{"retain": 1}],
    [10**100],
    [-(10**100)],
    [MAX_LENGTH + 1],
    ["\ud800"],
    ["a\udfffb"],
    [b"bytes"],
    [1, "a", [2]],
    [1, 1],
    [-1, "x"],
    [0],
    [""],
]


class IntLike(int):
    """An int subclass, as some decoders produce: accepted, normalized to a plain int."""


@pytest.mark.parametrize("value", GARBAGE, ids=repr)
def test_garbage_operation_is_refused_as_invalid_operation(value: Any) -> None:
    with pytest.raises(OTError) as raised:
        TextOperation.from_json(value)
    assert raised.value.code == OTErrorCode.INVALID_OPERATION
    assert raised.value.as_dict()["code"] == "invalid_operation"


def test_int_subclass_components_come_out_as_plain_ints() -> None:
    operation = TextOperation.from_json([IntLike(2), "x"])
    assert [type(c) for c in operation.to_json()] == [int, str]
    assert json.dumps(operation.to_json()) == '[2, "x"]'


def random_garbage(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(12 if depth < 3 else 9)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.choice([0, 1, -1, 7, -7, MAX_LENGTH, MAX_LENGTH + 1, 2**64, -(2**64)])
    if choice == 3:
        return rng.choice([0.0, -0.0, 2.0, 1e308, math.nan, math.inf])
    if choice in (4, 5):
        return "".join(
            chr(rng.choice([0x61, 0xE7, 0x301, 0xD800, 0xDFFF, 0x1F600]))
            for _ in range(rng.randint(0, 3))
        )
    if choice in (6, 7, 8):
        return rng.randint(-5, 5) or 1
    if choice in (9, 10):
        return [random_garbage(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {str(rng.randint(0, 3)): random_garbage(rng, depth + 1)}


def actions_on(server: OTServerDocument, value: Any, revision: Any) -> list[Callable[[], object]]:
    return [
        lambda: TextOperation.from_json(value, max_size=8),
        lambda: Selection.from_json(value),
        lambda: server.receive(value, revision),
        lambda: transform_index(TextOperation([5]), revision),
        lambda: check_revision(revision, current=3),
    ]


def test_random_garbage_never_escapes_as_anything_but_ot_error() -> None:
    rng = random.Random("ot-garbage")
    server = OTServerDocument(text="olá 😀")
    for _ in range(3000):
        value = random_garbage(rng)
        revision = random_garbage(rng)
        for action in actions_on(server, value, revision):
            try:
                action()
            except OTError as error:
                assert error.code in OTErrorCode
    # Whatever was accepted kept the server consistent with its own history.
    document = "olá 😀"
    for operation in server.history:
        document = operation.apply(document)
    assert document == server.text


def test_random_component_lists_are_accepted_only_when_canonical() -> None:
    rng = random.Random("ot-lists")
    pool: list[Any] = [1, 2, -1, -2, "a", "😀", "e\u0301", 0, ""]
    accepted = 0
    for _ in range(3000):
        components = [rng.choice(pool) for _ in range(rng.randint(0, 5))]
        normalized = TextOperationBuilder()
        for c in components:
            if isinstance(c, str):
                normalized.insert(c)
            elif c > 0:
                normalized.retain(c)
            else:
                normalized.delete(-c)
        try:
            operation = TextOperation.from_json(components)
        except OTError as error:
            assert error.code == OTErrorCode.INVALID_OPERATION
            assert normalized.build().to_json() != components
        else:
            accepted += 1
            assert operation.to_json() == components == normalized.build().to_json()
    assert accepted > 100


def test_size_limit_counts_components_and_inserted_code_points() -> None:
    assert TextOperation.from_json([1, "😀😀", -1]).size == 5
    TextOperation.from_json([1, "😀😀", -1], max_size=5)
    with pytest.raises(OTError) as raised:
        TextOperation.from_json([1, "😀😀", -1], max_size=4)
    assert raised.value.code == OTErrorCode.OPERATION_TOO_LARGE


def test_a_huge_array_is_refused_for_its_length_before_its_components() -> None:
    with pytest.raises(OTError) as raised:
        TextOperation.from_json([None] * 100_001, max_size=100_000)
    assert raised.value.code == OTErrorCode.OPERATION_TOO_LARGE


def test_server_refusals_leave_the_document_untouched() -> None:
    server = OTServerDocument(text="abc", max_document_length=5, max_operation_size=6)
    server.receive([3, "d"], 0)
    attempts: list[tuple[Any, Any, OTErrorCode]] = [
        ([4, "xxxxx"], 1, OTErrorCode.OPERATION_TOO_LARGE),
        ([4, "xx"], 1, OTErrorCode.DOCUMENT_TOO_LARGE),
        ([4, "x"], 2, OTErrorCode.REVISION_OUT_OF_RANGE),
        ([4, "x"], -1, OTErrorCode.REVISION_OUT_OF_RANGE),
        ([4, "x"], "1", OTErrorCode.REVISION_OUT_OF_RANGE),
        ([3, "x"], 1, OTErrorCode.LENGTH_MISMATCH),
        ([4, "x"], 0, OTErrorCode.LENGTH_MISMATCH),
        ([4, 1], 1, OTErrorCode.INVALID_OPERATION),
        (TextOperation([4, "xxxxx"]), 1, OTErrorCode.OPERATION_TOO_LARGE),
    ]
    for operation, revision, code in attempts:
        with pytest.raises(OTError) as raised:
            server.receive(operation, revision)
        assert raised.value.code == code, (operation, revision)
        assert (server.text, server.revision, len(server.history)) == ("abcd", 1, 1)
    accepted = server.receive([3, "x"], 0)
    assert (accepted.operation.to_json(), accepted.revision) == ([3, "x", 1], 2)
    assert server.text == "abcxd"


def test_trimmed_history_turns_old_revisions_into_revision_too_old() -> None:
    server = OTServerDocument(text="", max_history=2)
    for revision, letter in enumerate("abc"):
        server.receive([revision, letter] if revision else [letter], revision)
    assert (server.text, server.revision, server.history_start) == ("abc", 3, 1)
    with pytest.raises(OTError) as raised:
        server.receive(["z"], 0)
    assert raised.value.code == OTErrorCode.REVISION_TOO_OLD
    accepted = server.receive(["z", 1], 1)
    assert server.text == "zabc" and accepted.revision == 4


def test_rebase_rejects_revisions_outside_the_history() -> None:
    history = [TextOperation(["a"]), TextOperation([1, "b"])]
    for revision, code in [
        (3, OTErrorCode.REVISION_OUT_OF_RANGE),
        (9, OTErrorCode.REVISION_OUT_OF_RANGE),
        (4, OTErrorCode.REVISION_TOO_OLD),
        (True, OTErrorCode.REVISION_OUT_OF_RANGE),
        (None, OTErrorCode.REVISION_OUT_OF_RANGE),
    ]:
        with pytest.raises(OTError) as raised:
            rebase(
                TextOperation(["x"]),
                revision,
                history,
                history_start=5 if code == OTErrorCode.REVISION_TOO_OLD else 0,
            )
        assert raised.value.code == code, revision


def test_document_over_the_limit_cannot_be_loaded() -> None:
    with pytest.raises(OTError) as raised:
        OTServerDocument(text="abcdef", max_document_length=5)
    assert raised.value.code == OTErrorCode.DOCUMENT_TOO_LARGE


def test_client_acknowledgement_with_nothing_in_flight_is_a_protocol_error() -> None:
    client = OTClient(document="a")
    with pytest.raises(UnexpectedAcknowledgementError):
        client.server_ack()
    assert client.resend() is None
    sent = client.apply_local(TextOperation([1, "b"]))
    assert sent is not None and client.resend() == sent


def test_builder_refuses_negative_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        TextOperationBuilder().retain(-1)
    with pytest.raises(ValueError, match="negative"):
        TextOperationBuilder().delete(-1)
