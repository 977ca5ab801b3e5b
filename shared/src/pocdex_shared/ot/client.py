"""The reference client state machine (ot.js's ``Client``), used by the vectors and tests.

A client has at most one operation in flight (``outstanding``) and composes
further local edits into one ``buffer`` until the server acknowledges it.
States and transitions are specified in docs/protocol/ot.md, "Client state
machine"; Kotlin and Swift clients implement the same machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pocdex_shared.ot.operation import TextOperation, compose, transform


class ClientState(StrEnum):
    SYNCHRONIZED = "synchronized"
    AWAITING_CONFIRM = "awaiting_confirm"
    AWAITING_WITH_BUFFER = "awaiting_with_buffer"


class UnexpectedAcknowledgementError(RuntimeError):
    """The server acknowledged while nothing was in flight: a protocol bug, not user input."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An operation to send to the server, with the revision it was made against."""

    revision: int
    operation: TextOperation


class OTClient:
    def __init__(self, *, document: str = "", revision: int = 0) -> None:
        self.document = document
        self.revision = revision
        """Server operations this client has integrated, its own acknowledged ones included."""
        self.outstanding: TextOperation | None = None
        self.buffer: TextOperation | None = None

    @property
    def state(self) -> ClientState:
        if self.outstanding is None:
            return ClientState.SYNCHRONIZED
        if self.buffer is None:
            return ClientState.AWAITING_CONFIRM
        return ClientState.AWAITING_WITH_BUFFER

    def apply_local(self, operation: TextOperation) -> Outgoing | None:
        """A local edit, already shown by the editor: what to send now, if anything."""
        self.document = operation.apply(self.document)
        if self.outstanding is None:
            self.outstanding = operation
            return Outgoing(revision=self.revision, operation=operation)
        self.buffer = operation if self.buffer is None else compose(self.buffer, operation)
        return None

    def apply_server(self, operation: TextOperation) -> TextOperation:
        """Another participant's sequenced operation: returns what to apply to the editor."""
        if self.outstanding is not None:
            self.outstanding, operation = transform(self.outstanding, operation)
            if self.buffer is not None:
                self.buffer, operation = transform(self.buffer, operation)
        self.document = operation.apply(self.document)
        self.revision += 1
        return operation

    def server_ack(self) -> Outgoing | None:
        """The server sequenced our outstanding operation: what to send next, if anything."""
        if self.outstanding is None:
            raise UnexpectedAcknowledgementError("acknowledgement with no operation in flight")
        self.revision += 1
        self.outstanding, self.buffer = self.buffer, None
        if self.outstanding is None:
            return None
        return Outgoing(revision=self.revision, operation=self.outstanding)

    def resend(self) -> Outgoing | None:
        """After a reconnection: the outstanding operation again, with its revision."""
        if self.outstanding is None:
            return None
        return Outgoing(revision=self.revision, operation=self.outstanding)

    def to_json(self) -> dict[str, Any]:
        """The state as the convergence vectors write it."""
        return {
            "state": self.state.value,
            "revision": self.revision,
            "document": self.document,
            "outstanding": None if self.outstanding is None else self.outstanding.to_json(),
            "buffer": None if self.buffer is None else self.buffer.to_json(),
        }
