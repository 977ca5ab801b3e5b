"""Operational transformation for the dojo's shared editor (pure Python, no Django).

The specification is docs/protocol/ot.md; the JSON vectors every implementation
(this one, Kotlin, Swift) must pass are in shared/protocol/ot/.
"""

from pocdex_shared.ot.client import ClientState, OTClient, Outgoing, UnexpectedAcknowledgementError
from pocdex_shared.ot.cursor import (
    MAX_SELECTION_RANGES,
    Selection,
    SelectionRange,
    transform_index,
    transform_selection,
)
from pocdex_shared.ot.errors import OTError, OTErrorCode
from pocdex_shared.ot.operation import (
    MAX_LENGTH,
    Component,
    TextOperation,
    TextOperationBuilder,
    compose,
    transform,
)
from pocdex_shared.ot.server import (
    DEFAULT_MAX_DOCUMENT_LENGTH,
    DEFAULT_MAX_OPERATION_SIZE,
    Accepted,
    OTServerDocument,
    Rebased,
    check_revision,
    rebase,
)

__all__ = [
    "DEFAULT_MAX_DOCUMENT_LENGTH",
    "DEFAULT_MAX_OPERATION_SIZE",
    "MAX_LENGTH",
    "MAX_SELECTION_RANGES",
    "Accepted",
    "ClientState",
    "Component",
    "OTClient",
    "OTError",
    "OTErrorCode",
    "OTServerDocument",
    "Outgoing",
    "Rebased",
    "Selection",
    "SelectionRange",
    "TextOperation",
    "TextOperationBuilder",
    "UnexpectedAcknowledgementError",
    "check_revision",
    "compose",
    "rebase",
    "transform",
    "transform_index",
    "transform_selection",
]
