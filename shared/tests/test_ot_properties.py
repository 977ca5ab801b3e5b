"""Randomized properties of pocdex_shared.ot with fixed seeds: the laws OT relies on.

Each test draws a few hundred random documents and operations (code points from
ASCII, Portuguese, combining marks and astral emoji) and checks a law against
plain string arithmetic, not against recorded answers.
"""

from __future__ import annotations

import itertools
import random
from collections import deque

import pytest

from pocdex_shared.ot import (
    OTClient,
    OTServerDocument,
    Outgoing,
    Selection,
    SelectionRange,
    TextOperation,
    TextOperationBuilder,
    compose,
    rebase,
    transform,
    transform_index,
)

ALPHABET = ["a", "b", "z", " ", "\n", "ç", "ã", "é", "e\u0301", "\U0001f600", "\U0001f1e7"]
ROUNDS = 400


def text(rng: random.Random, most: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, most)))


def operation_on(rng: random.Random, document: str) -> TextOperation:
    """A random edit of ``document``, built component by component, canonical or not."""
    builder = TextOperationBuilder()
    position = 0
    while position < len(document):
        count = rng.randint(1, len(document) - position)
        choice = rng.random()
        if choice < 0.25:
            builder.insert(text(rng, 3))
        elif choice < 0.55:
            builder.delete(count)
            position += count
        else:
            builder.retain(count)
            position += count
    if rng.random() < 0.4:
        builder.insert(text(rng, 3))
    return builder.build()


def reference_apply(operation: TextOperation, document: str) -> str:
    """Apply by the definition, on a list of code points."""
    chars = list(document)
    out: list[str] = []
    for component in operation:
        if isinstance(component, str):
            out.extend(component)
        elif component > 0:
            out.extend(chars[:component])
            del chars[:component]
        else:
            del chars[:-component]
    assert not chars
    return "".join(out)


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    return random.Random(f"ot-{request.node.name}")


def test_apply_matches_the_definition_and_the_lengths(rng: random.Random) -> None:
    for _ in range(ROUNDS):
        doc = text(rng, 12)
        operation = operation_on(rng, doc)
        result = operation.apply(doc)
        assert result == reference_apply(operation, doc)
        assert operation.base_length == len(doc)
        assert operation.target_length == len(result)


def test_builder_output_is_canonical_and_survives_the_wire(rng: random.Random) -> None:
    for _ in range(ROUNDS):
        operation = operation_on(rng, text(rng, 12))
        assert TextOperation.from_json(operation.to_json()) == operation
        kinds = [
            "i" if isinstance(c, str) else ("r" if c > 0 else "d") for c in operation.components
        ]
        pairs = list(itertools.pairwise(kinds))
        assert all(x != y for x, y in pairs)
        assert ("d", "i") not in pairs


def test_compose_applies_like_its_parts_in_sequence(rng: random.Random) -> None:
    for _ in range(ROUNDS):
        doc = text(rng, 12)
        a = operation_on(rng, doc)
        b = operation_on(rng, a.apply(doc))
        composed = compose(a, b)
        assert composed.apply(doc) == b.apply(a.apply(doc))
        assert composed.base_length == a.base_length
        assert composed.target_length == b.target_length


def test_compose_is_associative(rng: random.Random) -> None:
    for _ in range(ROUNDS // 2):
        doc = text(rng, 10)
        a = operation_on(rng, doc)
        b = operation_on(rng, a.apply(doc))
        c = operation_on(rng, b.apply(a.apply(doc)))
        assert compose(compose(a, b), c) == compose(a, compose(b, c))


def test_transform_converges_tp1(rng: random.Random) -> None:
    for _ in range(ROUNDS):
        doc = text(rng, 12)
        a, b = operation_on(rng, doc), operation_on(rng, doc)
        a_prime, b_prime = transform(a, b)
        assert b_prime.apply(a.apply(doc)) == a_prime.apply(b.apply(doc))
        assert compose(a, b_prime).apply(doc) == compose(b, a_prime).apply(doc)


def test_transform_tie_break_puts_a_first_at_any_shared_position(rng: random.Random) -> None:
    for _ in range(ROUNDS // 4):
        doc = text(rng, 8)
        at = rng.randint(0, len(doc))
        ins_a, ins_b = "A" + text(rng, 2), "B" + text(rng, 2)
        a = TextOperationBuilder().retain(at).insert(ins_a).retain(len(doc) - at).build()
        b = TextOperationBuilder().retain(at).insert(ins_b).retain(len(doc) - at).build()
        a_prime, b_prime = transform(a, b)
        expected = doc[:at] + ins_a + ins_b + doc[at:]
        assert b_prime.apply(a.apply(doc)) == expected == a_prime.apply(b.apply(doc))


def test_transform_against_a_noop_changes_nothing(rng: random.Random) -> None:
    for _ in range(ROUNDS // 4):
        doc = text(rng, 12)
        operation = operation_on(rng, doc)
        identity = TextOperation.identity(len(doc))
        assert transform(operation, identity)[0] == operation
        assert transform(identity, operation)[1] == operation


def test_invert_round_trips(rng: random.Random) -> None:
    for _ in range(ROUNDS):
        doc = text(rng, 12)
        operation = operation_on(rng, doc)
        after = operation.apply(doc)
        inverse = operation.invert(doc)
        assert inverse.apply(after) == doc
        assert compose(operation, inverse).apply(doc) == doc
        assert inverse.invert(after) == operation


def test_rebase_over_history_matches_sequential_transformation_and_converges(
    rng: random.Random,
) -> None:
    for _ in range(ROUNDS // 2):
        revisions = [text(rng, 10)]
        history: list[TextOperation] = []
        for _ in range(rng.randint(0, 5)):
            history.append(operation_on(rng, revisions[-1]))
            revisions.append(history[-1].apply(revisions[-1]))
        start = rng.randint(0, len(history))
        client = operation_on(rng, revisions[start])
        rebased = rebase(client, start, history)
        assert rebased.revision == len(history) + 1

        expected = client
        client_side = client.apply(revisions[start])
        for concurrent in history[start:]:
            expected, concurrent_prime = transform(expected, concurrent)
            client_side = concurrent_prime.apply(client_side)
        assert rebased.operation == expected
        # What the server ends with is what a client that applied its own edit
        # first, then every sequenced operation transformed over it, ends with.
        assert rebased.operation.apply(revisions[-1]) == client_side

        # The server's own bookkeeping, with part of the history trimmed away, agrees.
        server = OTServerDocument(
            text=revisions[-1], revision=len(history), history=history[start:]
        )
        accepted = server.receive(client.to_json(), start)
        assert accepted.operation == rebased.operation
        assert server.text == rebased.operation.apply(revisions[-1])


def test_transform_index_stays_in_range_and_follows_the_text(rng: random.Random) -> None:
    for _ in range(ROUNDS):
        doc = text(rng, 12)
        operation = operation_on(rng, doc)
        index = rng.randint(0, len(doc))
        moved = transform_index(operation, index)
        assert 0 <= moved <= operation.target_length
        # A character right after the cursor that survives is still right after it.
        marked = doc[:index] + "\x00" + doc[index:]
        widened = _widen(operation, index)
        result = widened.apply(marked)
        assert result.index("\x00") == moved


def _widen(operation: TextOperation, index: int) -> TextOperation:
    """``operation`` with one retained marker code point inserted into its base at ``index``.

    Inserts exactly at ``index`` go before the marker (the cursor is pushed
    after them); deletes never remove it.
    """
    builder = TextOperationBuilder()
    position = 0
    placed = False
    for component in operation:
        if isinstance(component, str):
            builder.insert(component)
            continue
        count = abs(component)
        if not placed and position <= index < position + count:
            head, tail = index - position, count - (index - position)
            (builder.retain if component > 0 else builder.delete)(head)
            # Inserts at the same position come before any delete in canonical form,
            # so the marker goes after them but before the rest of this component.
            builder.retain(1)
            placed = True
            (builder.retain if component > 0 else builder.delete)(tail)
        else:
            (builder.retain if component > 0 else builder.delete)(count)
        position += count
    if not placed:
        builder.retain(1)
    return builder.build()


def test_selection_transforms_each_bound_like_an_index(rng: random.Random) -> None:
    for _ in range(ROUNDS // 4):
        doc = text(rng, 12)
        operation = operation_on(rng, doc)
        ranges = tuple(
            SelectionRange(rng.randint(0, len(doc)), rng.randint(0, len(doc))) for _ in range(3)
        )
        moved = Selection(ranges).transform(operation)
        assert moved.ranges == tuple(
            SelectionRange(transform_index(operation, r.anchor), transform_index(operation, r.head))
            for r in ranges
        )
        assert Selection.from_json(moved.to_json()) == moved


class Network:
    """A server and clients joined by FIFO links; ``None`` on a downlink is an acknowledgement."""

    def __init__(self, doc: str, names: list[str]) -> None:
        self.doc = doc
        self.names = names
        self.server = OTServerDocument(text=doc)
        self.clients = {name: OTClient(document=doc) for name in names}
        self.uplink: dict[str, deque[Outgoing]] = {name: deque() for name in names}
        self.downlink: dict[str, deque[TextOperation | None]] = {name: deque() for name in names}

    def edit(self, name: str, operation: TextOperation) -> None:
        self.send(name, self.clients[name].apply_local(operation))

    def send(self, name: str, outgoing: Outgoing | None) -> None:
        if outgoing is not None:
            self.uplink[name].append(outgoing)

    def deliver_to_server(self, name: str) -> None:
        message = self.uplink[name].popleft()
        accepted = self.server.receive(message.operation, message.revision)
        for other in self.names:
            self.downlink[other].append(None if other == name else accepted.operation)

    def deliver_to_client(self, name: str) -> None:
        message = self.downlink[name].popleft()
        if message is None:
            self.send(name, self.clients[name].server_ack())
        else:
            self.clients[name].apply_server(message)

    def busy(self) -> bool:
        return any(self.uplink.values()) or any(self.downlink.values())


def test_random_sessions_converge_through_the_client_state_machine(rng: random.Random) -> None:
    for _ in range(60):
        net = Network(text(rng, 6), ["A", "B", "C"][: rng.randint(2, 3)])
        for _ in range(rng.randint(5, 40)):
            name = rng.choice(net.names)
            roll = rng.random()
            if roll < 0.4:
                net.edit(name, operation_on(rng, net.clients[name].document))
            elif roll < 0.7 and net.uplink[name]:
                net.deliver_to_server(name)
            elif net.downlink[name]:
                net.deliver_to_client(name)
        while net.busy():
            name = rng.choice(net.names)
            if net.uplink[name] and rng.random() < 0.5:
                net.deliver_to_server(name)
            elif net.downlink[name]:
                net.deliver_to_client(name)

        for client in net.clients.values():
            assert client.document == net.server.text
            assert client.revision == net.server.revision
            assert client.outstanding is None and client.buffer is None
        replayed = net.doc
        for operation in net.server.history:
            replayed = operation.apply(replayed)
        assert replayed == net.server.text
