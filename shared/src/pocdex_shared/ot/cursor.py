"""Shared cursors and selections, moved through operations.

A cursor is an index between code points, ``0 ≤ index ≤ document length``. A
selection is a list of ranges, each an ``anchor`` (where the selection started)
and a ``head`` (where the caret is); ``anchor == head`` is a plain caret.

Rule (docs/protocol/ot.md, "Cursors"): text inserted *exactly at* the index
pushes the index to the end of the insert; text deleted around the index pulls
it back to where the deletion started.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pocdex_shared.ot.errors import OTError, OTErrorCode
from pocdex_shared.ot.operation import MAX_LENGTH, TextOperation

MAX_SELECTION_RANGES: Final = 64


def transform_index(operation: TextOperation, index: int) -> int:
    """Where ``index`` (in ``operation``'s base document) lies after ``operation``."""
    if isinstance(index, bool) or not isinstance(index, int):
        raise OTError(OTErrorCode.INDEX_OUT_OF_RANGE, "a cursor index is an integer")
    if not 0 <= index <= operation.base_length:
        raise OTError(
            OTErrorCode.INDEX_OUT_OF_RANGE,
            f"index {index} is outside the document (0..{operation.base_length})",
        )
    moved = index
    position = 0  # in the base document
    for component in operation.components:
        if position > index:
            break
        if isinstance(component, str):
            moved += len(component)  # inserted before the index, or exactly at it
        elif component > 0:
            position += component
        else:
            moved -= min(-component, index - position)
            position -= component
    return moved


@dataclass(frozen=True, slots=True)
class SelectionRange:
    anchor: int
    head: int

    def transform(self, operation: TextOperation) -> SelectionRange:
        return SelectionRange(
            anchor=transform_index(operation, self.anchor),
            head=transform_index(operation, self.head),
        )

    def to_json(self) -> dict[str, int]:
        return {"anchor": self.anchor, "head": self.head}


@dataclass(frozen=True, slots=True)
class Selection:
    """What one participant has selected; the wire form is ``{"ranges": [...]}``."""

    ranges: tuple[SelectionRange, ...] = ()

    @classmethod
    def cursor(cls, index: int) -> Selection:
        return cls((SelectionRange(index, index),))

    @classmethod
    def from_json(cls, value: object) -> Selection:
        """Parse strictly; ``invalid_selection`` for anything but the documented shape."""
        if not isinstance(value, dict) or set(value) != {"ranges"}:
            raise _invalid_selection('a selection is an object with only "ranges"')
        ranges = value["ranges"]
        if not isinstance(ranges, list):
            raise _invalid_selection('"ranges" is an array')
        if len(ranges) > MAX_SELECTION_RANGES:
            raise _invalid_selection(f"at most {MAX_SELECTION_RANGES} ranges")
        parsed: list[SelectionRange] = []
        for number, item in enumerate(ranges):
            if not isinstance(item, dict) or set(item) != {"anchor", "head"}:
                raise _invalid_selection(f'range {number} is an object with "anchor" and "head"')
            anchor, head = item["anchor"], item["head"]
            for bound in (anchor, head):
                if (
                    isinstance(bound, bool)
                    or not isinstance(bound, int)
                    or not 0 <= bound <= MAX_LENGTH
                ):
                    raise _invalid_selection(
                        f"range {number}: anchor and head are integers in 0..{MAX_LENGTH}"
                    )
            parsed.append(SelectionRange(anchor=anchor, head=head))
        return cls(tuple(parsed))

    def to_json(self) -> dict[str, list[dict[str, int]]]:
        return {"ranges": [r.to_json() for r in self.ranges]}

    def transform(self, operation: TextOperation) -> Selection:
        """Every range moved through ``operation``; ``index_out_of_range`` if one lies outside."""
        return Selection(tuple(r.transform(operation) for r in self.ranges))


def transform_selection(operation: TextOperation, selection: Selection) -> Selection:
    return selection.transform(operation)


def _invalid_selection(message: str) -> OTError:
    return OTError(OTErrorCode.INVALID_SELECTION, message)
