"""The server's side of the protocol: sequence client operations into one history.

Revision ``r`` is the document after the first ``r`` sequenced operations
(revision 0 is the initial document). A client sends an operation together with
the revision it was made against; the server transforms it over every
operation it sequenced since, applies it and gives it the next revision.

``rebase`` is the pure step, for a service that keeps its history in a
database; ``OTServerDocument`` keeps text, revision and history in memory and
adds the size limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from pocdex_shared.ot.errors import OTError, OTErrorCode
from pocdex_shared.ot.operation import TextOperation, transform

DEFAULT_MAX_DOCUMENT_LENGTH: Final = 200_000
"""Code points; a dojo kata is a few hundred lines."""
DEFAULT_MAX_OPERATION_SIZE: Final = 50_000
"""Components plus inserted code points (``TextOperation.size``): a large paste fits."""


@dataclass(frozen=True, slots=True)
class Rebased:
    operation: TextOperation
    """The client's operation, transformed to apply to the current document."""
    revision: int
    """The revision the document has once ``operation`` is applied."""


def check_revision(revision: object, *, current: int, oldest: int = 0) -> int:
    """``revision`` if the server can rebase from it, else a coded error.

    ``revision_out_of_range`` for anything but an integer in ``[0, current]``;
    ``revision_too_old`` for one below ``oldest``, the revision the retained
    history starts at.
    """
    if isinstance(revision, bool) or not isinstance(revision, int):
        raise OTError(OTErrorCode.REVISION_OUT_OF_RANGE, "a revision is an integer")
    if revision < 0 or revision > current:
        raise OTError(
            OTErrorCode.REVISION_OUT_OF_RANGE,
            f"revision {revision} is outside 0..{current}",
        )
    if revision < oldest:
        raise OTError(
            OTErrorCode.REVISION_TOO_OLD,
            f"revision {revision} is older than the retained history (from {oldest});"
            " resynchronize from the latest snapshot",
        )
    return revision


def rebase(
    operation: TextOperation,
    client_revision: object,
    history: Sequence[TextOperation],
    *,
    history_start: int = 0,
) -> Rebased:
    """Transform ``operation``, made against ``client_revision``, over the history since.

    ``history[i]`` is the operation that took the document from revision
    ``history_start + i`` to ``history_start + i + 1``. The client's operation
    is the *a* side of every ``transform``: at equal positions its insert goes
    before the text of the operations already sequenced.

    Raises ``revision_out_of_range``, ``revision_too_old`` or, when the
    operation does not span the document at its revision, ``length_mismatch``.
    """
    current = history_start + len(history)
    revision = check_revision(client_revision, current=current, oldest=history_start)
    for index in range(revision - history_start, len(history)):
        operation, _ = transform(operation, history[index])
    return Rebased(operation=operation, revision=current + 1)


@dataclass(frozen=True, slots=True)
class Accepted:
    operation: TextOperation
    """What was applied: send it to every other participant with ``revision``."""
    revision: int
    """The new revision; acknowledge it to the sender."""


class OTServerDocument:
    """A document, its revision and the tail of its history, behind the protocol's checks.

    ``receive`` either applies an operation and returns it, or raises an
    ``OTError`` and leaves the document as it was. Checks, in this order:
    operation (``invalid_operation``, ``operation_too_large``), revision
    (``revision_out_of_range``, ``revision_too_old``), length
    (``length_mismatch``), result (``document_too_large``).
    """

    def __init__(
        self,
        *,
        text: str = "",
        revision: int = 0,
        history: Iterable[TextOperation] = (),
        max_document_length: int = DEFAULT_MAX_DOCUMENT_LENGTH,
        max_operation_size: int = DEFAULT_MAX_OPERATION_SIZE,
        max_history: int | None = None,
    ) -> None:
        """``history`` holds the last operations, the final one producing ``revision``.

        ``max_history`` bounds how many are kept (``None``: all of them); a
        client more than that many revisions behind gets ``revision_too_old``.
        """
        retained = list(history)
        if revision < len(retained):
            raise ValueError("the history is longer than the revision it leads to")
        if max_history is not None and max_history < 0:
            raise ValueError("max_history must not be negative")
        if len(text) > max_document_length:
            raise OTError(
                OTErrorCode.DOCUMENT_TOO_LARGE,
                f"the document has {len(text)} code points; at most {max_document_length}",
            )
        self._text = text
        self._revision = revision
        self._history = retained
        self.max_document_length = max_document_length
        self.max_operation_size = max_operation_size
        self.max_history = max_history
        self._trim()

    @property
    def text(self) -> str:
        return self._text

    @property
    def revision(self) -> int:
        return self._revision

    @property
    def history(self) -> tuple[TextOperation, ...]:
        return tuple(self._history)

    @property
    def history_start(self) -> int:
        """The oldest revision a client may still send an operation against."""
        return self._revision - len(self._history)

    def receive(self, operation: object, revision: object) -> Accepted:
        """Sequence a client's operation: a ``TextOperation`` or its decoded JSON."""
        if isinstance(operation, TextOperation):
            if operation.size > self.max_operation_size:
                raise OTError(
                    OTErrorCode.OPERATION_TOO_LARGE,
                    f"the operation's size is {operation.size};"
                    f" at most {self.max_operation_size} is accepted",
                )
            parsed = operation
        else:
            parsed = TextOperation.from_json(operation, max_size=self.max_operation_size)
        rebased = rebase(parsed, revision, self._history, history_start=self.history_start)
        applied = rebased.operation
        if applied.base_length != len(self._text):
            raise OTError(
                OTErrorCode.LENGTH_MISMATCH,
                f"the operation expects a document of {applied.base_length} code points"
                f" at its revision, not {len(self._text)}",
            )
        if applied.target_length > self.max_document_length:
            raise OTError(
                OTErrorCode.DOCUMENT_TOO_LARGE,
                f"the document would have {applied.target_length} code points;"
                f" at most {self.max_document_length}",
            )
        self._text = applied.apply(self._text)
        self._history.append(applied)
        self._revision = rebased.revision
        self._trim()
        return Accepted(operation=applied, revision=rebased.revision)

    def _trim(self) -> None:
        if self.max_history is not None and len(self._history) > self.max_history:
            del self._history[: len(self._history) - self.max_history]
