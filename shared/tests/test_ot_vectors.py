"""Every JSON vector in shared/protocol/ot/ passes against pocdex_shared.ot, and none drifts.

This is what the Kotlin and Swift suites do too: read the files, replay each case
through their implementation, compare. Besides the recorded expectations, each
case is checked against the algebra it illustrates (convergence, round trips),
so a vector that merely records a wrong answer would fail here as well.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import deque
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pocdex_shared.ot import (
    OTClient,
    OTError,
    OTServerDocument,
    Outgoing,
    Selection,
    TextOperation,
    compose,
    transform,
    transform_index,
)

VECTORS = Path(__file__).resolve().parents[1] / "protocol" / "ot"
FILES = ("apply", "compose", "transform", "cursor", "invalid", "convergence")


@cache
def load(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / f"{kind}.json").read_text(encoding="utf-8"))
    return data


def cases(kind: str) -> list[Any]:
    return [pytest.param(case, id=case["name"]) for case in load(kind)["cases"]]


def parse(components: list[Any]) -> TextOperation:
    """Vectors go through the strict wire parser, as a client's would."""
    return TextOperation.from_json(components)


# ----------------------------------------------------------------------------- files


@pytest.mark.parametrize("kind", FILES)
def test_vector_file_has_the_documented_envelope(kind: str) -> None:
    data = load(kind)
    assert data["format"] == "pocdex-ot-vectors"
    assert data["version"] == 1
    assert data["kind"] == kind
    names = [case["name"] for case in data["cases"]]
    assert len(names) == len(set(names)), "case names are unique"
    assert {case["source"] for case in data["cases"]} <= {"hand", "generated"}
    assert any(case["source"] == "hand" for case in data["cases"])


def test_vector_files_are_ascii_so_no_tool_can_normalize_their_unicode() -> None:
    for kind in FILES:
        (VECTORS / f"{kind}.json").read_bytes().decode("ascii")


def test_vectors_exercise_code_points_that_utf16_and_graphemes_count_differently() -> None:
    docs = "".join(case["doc"] for case in load("apply")["cases"])
    assert any(ord(ch) > 0xFFFF for ch in docs), "an emoji outside the BMP"
    assert "\u0301" in docs, "a combining accent"
    assert "\U0001f1e7\U0001f1f7" in docs, "a flag (two regional indicators)"
    assert "\r\n" in docs, "CRLF, one grapheme in Swift"
    assert "ç" in docs and "ã" in docs, "Portuguese"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ot_vectors_generate", VECTORS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_committed_vectors_equal_the_generator_output() -> None:
    expected = load_generator().build()
    assert sorted(expected) == sorted(f"{kind}.json" for kind in FILES)
    for name, text in expected.items():
        committed = (VECTORS / name).read_text(encoding="utf-8")
        assert committed == text, f"{name} drifted: run shared/protocol/ot/generate.py"


# ----------------------------------------------------------------------------- apply


@pytest.mark.parametrize("case", cases("apply"))
def test_apply_vector(case: dict[str, Any]) -> None:
    operation = parse(case["operation"])
    assert operation.to_json() == case["operation"]
    assert operation.base_length == case["base_length"] == len(case["doc"])
    assert operation.target_length == case["target_length"] == len(case["result"])
    assert operation.apply(case["doc"]) == case["result"]
    assert operation.is_noop() is case["is_noop"]
    inverse = operation.invert(case["doc"])
    assert inverse.to_json() == case["inverse"]
    assert parse(case["inverse"]).apply(case["result"]) == case["doc"]


# ----------------------------------------------------------------------------- compose


@pytest.mark.parametrize("case", cases("compose"))
def test_compose_vector(case: dict[str, Any]) -> None:
    a, b = parse(case["a"]), parse(case["b"])
    composed = compose(a, b)
    assert composed.to_json() == case["composed"]
    assert composed.apply(case["doc"]) == case["result"] == b.apply(a.apply(case["doc"]))


# ----------------------------------------------------------------------------- transform


@pytest.mark.parametrize("case", cases("transform"))
def test_transform_vector(case: dict[str, Any]) -> None:
    a, b = parse(case["a"]), parse(case["b"])
    a_prime, b_prime = transform(a, b)
    assert a_prime.to_json() == case["a_prime"]
    assert b_prime.to_json() == case["b_prime"]
    doc = case["doc"]
    assert b_prime.apply(a.apply(doc)) == case["result"]
    assert a_prime.apply(b.apply(doc)) == case["result"]


# ----------------------------------------------------------------------------- cursor


@pytest.mark.parametrize("case", cases("cursor"))
def test_cursor_vector(case: dict[str, Any]) -> None:
    operation = parse(case["operation"])
    assert operation.base_length == len(case["doc"])
    if "selection" in case:
        selection = Selection.from_json(case["selection"])
        assert selection.transform(operation).to_json() == case["expected"]
    else:
        moved = transform_index(operation, case["index"])
        assert moved == case["expected"]
        assert 0 <= moved <= operation.target_length


# ----------------------------------------------------------------------------- invalid


def server_from(setup: dict[str, Any]) -> OTServerDocument:
    history = [parse(h) for h in setup["history"]]
    return OTServerDocument(
        text=setup["text"],
        revision=setup["revision"],
        history=history,
        max_history=len(history) or None,
        max_document_length=setup.get("max_document_length", 200_000),
        max_operation_size=setup.get("max_operation_size", 50_000),
    )


def invalid_action(case: dict[str, Any]) -> tuple[Callable[[], object], OTServerDocument | None]:
    check = case["check"]
    if check == "parse":
        return lambda: TextOperation.from_json(
            json.loads(case["wire"]), max_size=case.get("max_size")
        ), None
    if check == "apply":
        return lambda: parse(case["operation"]).apply(case["doc"]), None
    if check == "invert":
        return lambda: parse(case["operation"]).invert(case["doc"]), None
    if check == "compose":
        return lambda: compose(parse(case["a"]), parse(case["b"])), None
    if check == "transform":
        return lambda: transform(parse(case["a"]), parse(case["b"])), None
    if check == "cursor":
        return lambda: transform_index(parse(case["operation"]), json.loads(case["index"])), None
    if check == "selection":
        return lambda: Selection.from_json(json.loads(case["wire"])), None
    assert check == "server", check
    server = server_from(case["server"])
    return lambda: server.receive(
        json.loads(case["operation"]), json.loads(case["revision"])
    ), server


@pytest.mark.parametrize("case", cases("invalid"))
def test_invalid_vector(case: dict[str, Any]) -> None:
    action, server = invalid_action(case)
    before = None if server is None else (server.text, server.revision, server.history)
    if case["code"] is None:
        action()
        return
    with pytest.raises(OTError) as raised:
        action()
    assert raised.value.code == case["code"]
    if server is not None:
        assert (server.text, server.revision, server.history) == before, "refused: unchanged"


# ----------------------------------------------------------------------------- convergence


def wire(outgoing: Outgoing | None) -> dict[str, Any] | None:
    if outgoing is None:
        return None
    return {"revision": outgoing.revision, "operation": outgoing.operation.to_json()}


@pytest.mark.parametrize("case", cases("convergence"))
def test_convergence_vector(case: dict[str, Any]) -> None:
    names = case["clients"]
    server = OTServerDocument(text=case["doc"])
    clients = {name: OTClient(document=case["doc"]) for name in names}
    uplink: dict[str, deque[dict[str, Any]]] = {name: deque() for name in names}
    downlink: dict[str, deque[dict[str, Any]]] = {name: deque() for name in names}

    for step in case["steps"]:
        name = step["client"]
        client = clients[name]
        if step["step"] == "edit":
            sent = wire(client.apply_local(parse(step["operation"])))
            assert sent == step["sends"]
            if sent is not None:
                uplink[name].append(sent)
        elif step["step"] == "server_receive":
            message = uplink[name].popleft()
            assert message == step["message"]
            accepted = server.receive(message["operation"], message["revision"])
            assert accepted.operation.to_json() == step["applied"]
            assert accepted.revision == step["revision"] == server.revision
            assert server.text == step["document"]
            for other in names:
                downlink[other].append(
                    {"type": "ack", "revision": accepted.revision}
                    if other == name
                    else {
                        "type": "operation",
                        "revision": accepted.revision,
                        "operation": accepted.operation.to_json(),
                    }
                )
        else:
            assert step["step"] == "client_receive"
            message = downlink[name].popleft()
            assert message == step["message"]
            if message["type"] == "ack":
                sent = wire(client.server_ack())
                assert sent == step["sends"]
                if sent is not None:
                    uplink[name].append(sent)
            else:
                shown = client.apply_server(parse(message["operation"]))
                assert shown.to_json() == step["editor_operation"]
            assert client.revision == message["revision"]
        if "client_state" in step:
            assert client.to_json() == step["client_state"]

    assert not any(uplink.values()) and not any(downlink.values()), "the steps drain every link"
    final = case["final"]
    assert server.text == final["document"]
    assert server.revision == final["revision"] == len(final["history"])
    assert [h.to_json() for h in server.history] == final["history"]
    document = case["doc"]
    for operation in final["history"]:
        document = parse(operation).apply(document)
    assert document == final["document"], "the history replays to the final document"
    for name in names:
        assert clients[name].to_json() == final["clients"][name]
        assert clients[name].document == final["document"]
        assert final["clients"][name]["state"] == "synchronized"
