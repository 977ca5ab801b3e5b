"""The one exception the OT core raises, with a stable machine-readable code.

The codes are part of the wire contract (docs/protocol/ot.md): the dojo service
sends them back as ``{"type": "error", "code": ...}`` and the mobile clients
branch on them, so a code is never renamed, only added.
"""

from __future__ import annotations

from enum import StrEnum


class OTErrorCode(StrEnum):
    INVALID_OPERATION = "invalid_operation"
    """The wire value is not a canonical operation (type, zero, empty, surrogate, order…)."""
    LENGTH_MISMATCH = "length_mismatch"
    """The operation does not span the document (or the other operation) it is used with."""
    REVISION_OUT_OF_RANGE = "revision_out_of_range"
    """The revision is not an integer in ``[0, current]``: malformed or in the future."""
    REVISION_TOO_OLD = "revision_too_old"
    """The revision is older than the retained history: the client must resynchronize."""
    OPERATION_TOO_LARGE = "operation_too_large"
    """The operation's size (components + inserted code points) exceeds the limit."""
    DOCUMENT_TOO_LARGE = "document_too_large"
    """Applying the operation would make the document longer than the limit."""
    INVALID_SELECTION = "invalid_selection"
    """The wire value is not a selection (``{"ranges": [{"anchor", "head"}, …]}``)."""
    INDEX_OUT_OF_RANGE = "index_out_of_range"
    """A cursor index lies outside ``[0, base_length]`` of the operation."""


class OTError(ValueError):
    """An operation, revision or selection was refused. ``code`` is the contract."""

    def __init__(self, code: OTErrorCode, message: str) -> None:
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, str]:
        """``{"code", "message"}``, ready for an error event."""
        return {"code": self.code.value, "message": self.message}
