"""Text operations: retain / insert / delete over a document counted in code points.

An operation walks the whole document once, left to right. Its wire form is a
JSON array (the ot.js format):

* a positive integer ``n`` retains (skips) ``n`` code points;
* a non-empty string inserts it;
* a negative integer ``-n`` deletes ``n`` code points.

Every length and position is a count of Unicode code points (Python ``str``
indices), never UTF-16 code units and never grapheme clusters.

Operations are always canonical (docs/protocol/ot.md, "Canonical form"): no zero
or empty component, no two adjacent components of the same kind, and an insert
never directly follows a delete. ``TextOperation.from_json`` *rejects* anything
else with ``invalid_operation``; ``TextOperationBuilder`` *normalizes* what it is
given, and is how new operations are made.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from pocdex_shared.ot.errors import OTError, OTErrorCode

Component = int | str
"""One wire component: ``n > 0`` retain, ``str`` insert, ``-n < 0`` delete."""

MAX_LENGTH: Final = 2**31 - 1
"""Largest component magnitude and largest base/target length an operation may have.

Chosen so that a Kotlin or Swift client can hold every length in a 32-bit
``Int`` without overflow checks of its own.
"""

_RETAIN: Final = 0
_INSERT: Final = 1
_DELETE: Final = 2
_KIND_NAMES: Final = ("retain", "insert", "delete")


def _kind(component: Component) -> int:
    if isinstance(component, str):
        return _INSERT
    return _RETAIN if component > 0 else _DELETE


def _length(component: Component) -> int:
    return len(component) if isinstance(component, str) else abs(component)


def _invalid(message: str) -> OTError:
    return OTError(OTErrorCode.INVALID_OPERATION, message)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_component(index: int, component: object) -> Component:
    """``component`` as a valid single component, or ``invalid_operation``."""
    # bool is an int subclass in Python: JSON true/false must not read as 1/0.
    if isinstance(component, bool) or not isinstance(component, int | str):
        raise _invalid(f"component {index} is not an integer or a string")
    if isinstance(component, str):
        if not component:
            raise _invalid(f"component {index} inserts an empty string")
        if _has_surrogate(component):
            raise _invalid(f"component {index} contains a lone surrogate code point")
        return component
    if component == 0:
        raise _invalid(f"component {index} retains or deletes zero code points")
    if abs(component) > MAX_LENGTH:
        raise _invalid(f"component {index} is longer than {MAX_LENGTH}")
    return int(component)


class TextOperation:
    """An immutable, canonical text operation. Build one with ``TextOperationBuilder``."""

    __slots__ = ("_components", "base_length", "target_length")

    _components: tuple[Component, ...]
    base_length: int
    """Length (code points) of the documents this operation applies to."""
    target_length: int
    """Length (code points) of the document it produces."""

    def __init__(self, components: Iterable[Component] = ()) -> None:
        """Validate ``components`` (canonical form included) or raise ``invalid_operation``."""
        checked: list[Component] = []
        base = target = 0
        previous: int | None = None
        for index, raw in enumerate(components):
            component = _check_component(index, raw)
            kind = _kind(component)
            if previous == kind:
                raise _invalid(
                    f"components {index - 1} and {index} are both {_KIND_NAMES[kind]}s:"
                    " canonical operations merge them"
                )
            if previous == _DELETE and kind == _INSERT:
                raise _invalid(
                    f"component {index} inserts right after a delete:"
                    " canonical operations put the insert first"
                )
            length = _length(component)
            if kind != _INSERT:
                base += length
            if kind != _DELETE:
                target += length
            if base > MAX_LENGTH or target > MAX_LENGTH:
                raise _invalid(f"the operation spans more than {MAX_LENGTH} code points")
            checked.append(component)
            previous = kind
        self._components = tuple(checked)
        self.base_length = base
        self.target_length = target

    # ------------------------------------------------------------------ wire form

    @classmethod
    def from_json(cls, value: object, *, max_size: int | None = None) -> TextOperation:
        """Parse a decoded JSON value, strictly. Never raises anything but ``OTError``.

        ``max_size`` bounds ``size`` (components + inserted code points) with
        ``operation_too_large``. An array with more components than ``max_size``
        is refused before its components are looked at.
        """
        if not isinstance(value, list):
            raise _invalid("an operation is a JSON array")
        if max_size is not None and len(value) > max_size:
            raise _too_large(len(value), max_size)
        operation = cls(value)
        if max_size is not None and operation.size > max_size:
            raise _too_large(operation.size, max_size)
        return operation

    def to_json(self) -> list[Component]:
        """The wire form: a fresh list that callers may keep or change."""
        return list(self._components)

    # ------------------------------------------------------------------ properties

    @property
    def components(self) -> tuple[Component, ...]:
        return self._components

    @property
    def size(self) -> int:
        """What ``max_operation_size`` bounds: components plus inserted code points."""
        inserted = sum(len(c) for c in self._components if isinstance(c, str))
        return len(self._components) + inserted

    def is_noop(self) -> bool:
        """True when applying it changes nothing (only retains, or nothing at all)."""
        return all(_kind(c) == _RETAIN for c in self._components)

    @classmethod
    def identity(cls, length: int) -> TextOperation:
        """The no-op over a document of ``length`` code points."""
        return TextOperationBuilder().retain(length).build()

    # ------------------------------------------------------------------ algebra

    def apply(self, document: str) -> str:
        """The document after this operation; ``length_mismatch`` if it is not ``base_length`` long."""
        if len(document) != self.base_length:
            raise OTError(
                OTErrorCode.LENGTH_MISMATCH,
                f"the operation expects a document of {self.base_length} code points,"
                f" not {len(document)}",
            )
        pieces: list[str] = []
        position = 0
        for component in self._components:
            if isinstance(component, str):
                pieces.append(component)
            elif component > 0:
                pieces.append(document[position : position + component])
                position += component
            else:
                position -= component
        return "".join(pieces)

    def invert(self, document: str) -> TextOperation:
        """The operation that undoes this one; ``document`` is the one it was applied to."""
        if len(document) != self.base_length:
            raise OTError(
                OTErrorCode.LENGTH_MISMATCH,
                f"cannot invert against a document of {len(document)} code points;"
                f" the operation expects {self.base_length}",
            )
        inverse = TextOperationBuilder()
        position = 0
        for component in self._components:
            if isinstance(component, str):
                inverse.delete(len(component))
            elif component > 0:
                inverse.retain(component)
                position += component
            else:
                inverse.insert(document[position : position - component])
                position -= component
        return inverse.build()

    def compose(self, other: TextOperation) -> TextOperation:
        """``compose(self, other)``."""
        return compose(self, other)

    # ------------------------------------------------------------------ dunder

    def __iter__(self) -> Iterator[Component]:
        return iter(self._components)

    def __len__(self) -> int:
        return len(self._components)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TextOperation):
            return NotImplemented
        return self._components == other._components

    def __hash__(self) -> int:
        return hash(self._components)

    def __repr__(self) -> str:
        return f"TextOperation({list(self._components)!r})"


def _too_large(size: int, max_size: int) -> OTError:
    return OTError(
        OTErrorCode.OPERATION_TOO_LARGE,
        f"the operation's size is {size}; at most {max_size} is accepted",
    )


class TextOperationBuilder:
    """Appends components and keeps the result canonical.

    Zero retains/deletes and empty inserts are dropped, neighbours of the same
    kind are merged, and an insert given right after a delete is placed before
    it (both orders mean the same edit; canonical form picks one).
    """

    __slots__ = ("_components",)

    def __init__(self) -> None:
        self._components: list[Component] = []

    def retain(self, count: int) -> TextOperationBuilder:
        if count < 0:
            raise ValueError("retain count must not be negative")
        if count:
            if self._components and _kind(last := self._components[-1]) == _RETAIN:
                self._components[-1] = int(last) + count
            else:
                self._components.append(count)
        return self

    def insert(self, text: str) -> TextOperationBuilder:
        if not text:
            return self
        components = self._components
        if components and isinstance(components[-1], str):
            components[-1] += text
        elif components and _kind(components[-1]) == _DELETE:
            if len(components) >= 2 and isinstance(components[-2], str):
                components[-2] += text
            else:
                components.insert(len(components) - 1, text)
        else:
            components.append(text)
        return self

    def delete(self, count: int) -> TextOperationBuilder:
        if count < 0:
            raise ValueError("delete count must not be negative")
        if count:
            if self._components and _kind(last := self._components[-1]) == _DELETE:
                self._components[-1] = int(last) - count
            else:
                self._components.append(-count)
        return self

    def build(self) -> TextOperation:
        return TextOperation(self._components)


class _Reader:
    """Walks an operation's components, handing out pieces of the current one."""

    __slots__ = ("_components", "_index", "_offset")

    def __init__(self, operation: TextOperation) -> None:
        self._components = operation.components
        self._index = 0
        self._offset = 0

    @property
    def kind(self) -> int | None:
        if self._index >= len(self._components):
            return None
        return _kind(self._components[self._index])

    @property
    def remaining(self) -> int:
        return _length(self._components[self._index]) - self._offset

    def take(self, count: int) -> str:
        """Consume ``count`` code points of the current component; inserts return their text."""
        component = self._components[self._index]
        piece = ""
        if isinstance(component, str):
            piece = component[self._offset : self._offset + count]
        self._offset += count
        if self._offset == _length(component):
            self._index += 1
            self._offset = 0
        return piece

    def take_all(self) -> str:
        return self.take(self.remaining)


def compose(first: TextOperation, second: TextOperation) -> TextOperation:
    """One operation with the effect of ``first`` then ``second``.

    ``apply(compose(a, b), d) == b.apply(a.apply(d))``; ``length_mismatch``
    unless ``first.target_length == second.base_length``.
    """
    if first.target_length != second.base_length:
        raise OTError(
            OTErrorCode.LENGTH_MISMATCH,
            f"cannot compose: the first operation produces {first.target_length} code points,"
            f" the second expects {second.base_length}",
        )
    out = TextOperationBuilder()
    a, b = _Reader(first), _Reader(second)
    while True:
        if a.kind == _DELETE:
            out.delete(a.remaining)
            a.take_all()
            continue
        if b.kind == _INSERT:
            out.insert(b.take_all())
            continue
        if a.kind is None or b.kind is None:
            break  # equal lengths: both are exhausted together
        count = min(a.remaining, b.remaining)
        if a.kind == _RETAIN:
            if b.kind == _RETAIN:
                out.retain(count)
            else:
                out.delete(count)
            a.take(count)
        else:
            text = a.take(count)
            if b.kind == _RETAIN:
                out.insert(text)
            # insert then delete of the same text: nothing left of either
        b.take(count)
    return out.build()


def transform(a: TextOperation, b: TextOperation) -> tuple[TextOperation, TextOperation]:
    """``(a', b')`` for concurrent ``a`` and ``b`` on the same document.

    ``b'.apply(a.apply(d)) == a'.apply(b.apply(d))``. When both insert at the
    same position, **a's text ends up first**. In the protocol ``a`` is always
    the operation not yet sequenced by the server (the incoming client
    operation on the server, the pending one on a client) and ``b`` the one the
    server has already sequenced.
    """
    if a.base_length != b.base_length:
        raise OTError(
            OTErrorCode.LENGTH_MISMATCH,
            f"cannot transform operations over different documents"
            f" ({a.base_length} and {b.base_length} code points)",
        )
    a_prime, b_prime = TextOperationBuilder(), TextOperationBuilder()
    ra, rb = _Reader(a), _Reader(b)
    while True:
        if ra.kind == _INSERT:
            text = ra.take_all()
            a_prime.insert(text)
            b_prime.retain(len(text))
            continue
        if rb.kind == _INSERT:
            text = rb.take_all()
            a_prime.retain(len(text))
            b_prime.insert(text)
            continue
        if ra.kind is None or rb.kind is None:
            break  # equal base lengths: both are exhausted together
        count = min(ra.remaining, rb.remaining)
        if ra.kind == _RETAIN and rb.kind == _RETAIN:
            a_prime.retain(count)
            b_prime.retain(count)
        elif ra.kind == _DELETE and rb.kind == _RETAIN:
            a_prime.delete(count)
        elif ra.kind == _RETAIN and rb.kind == _DELETE:
            b_prime.delete(count)
        # delete/delete: both removed the same text; neither needs to do it again
        ra.take(count)
        rb.take(count)
    return a_prime.build(), b_prime.build()
