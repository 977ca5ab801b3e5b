"""JSON request bodies with bounded nesting, for DRF and for plain views.

Python's JSON decoder recurses once per level of nesting: a body of a few
hundred kilobytes of ``[[[[…`` ends in a ``RecursionError``, which DRF's own
parser lets through as a 500, and anything that walks a decoded value
recursively afterwards (validation, error flattening, rendering) can fail the
same way at a smaller depth. No Pocdex API takes anything nested deeper than a
handful of levels, so a body nested deeper than ``MAX_JSON_DEPTH`` is refused
with a coded 400 ``json_too_deep`` before any view sees it. Numbers that do not
fit a finite float (``1e999``) and integers longer than Python accepts are
malformed JSON (``malformed_json``), not an ``inf`` stored in a database.

``JSONParser`` is the parser of every service (``service_settings.rest_framework``);
plain views and WebSocket consumers decode with ``loads``.
"""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from pocdex_shared.errors import ApiError, gettext_lazy

_ = gettext_lazy

#: The deepest nesting of objects and arrays a request body may have. The
#: deepest document any API takes is a POC's links (body → list → object).
MAX_JSON_DEPTH = 32


class JsonTooDeepError(ApiError):
    """A JSON document nested deeper than allowed: a coded 400, never a 500."""

    def __init__(self, max_depth: int = MAX_JSON_DEPTH) -> None:
        super().__init__(
            "json_too_deep",
            _("The request body is nested too deeply (at most %(depth)d levels).")
            % {"depth": max_depth},
        )


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"Number out of range: {text[:32]}")
    return value


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def depth_exceeds(value: Any, max_depth: int) -> bool:
    """Whether ``value`` nests objects and arrays deeper than ``max_depth``.

    Iterative (an explicit stack), so that checking a deep document cannot
    itself exhaust the interpreter's stack.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _unstorable(text: str, *, nul: bool) -> bool:
    if nul and "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # an unpaired surrogate such as "\ud800"
        return True
    return False


def has_unstorable_text(value: Any, *, nul: bool = True) -> bool:
    """Whether a decoded JSON value holds text PostgreSQL cannot store.

    JSON may carry a NUL character (``"\u0000"``) or half of a surrogate pair
    (``"\ud800"``); PostgreSQL refuses the first in ``text`` and ``jsonb`` and
    the second cannot even be encoded as UTF-8. DRF's ``CharField`` refuses both
    field by field; a decoder that hands values to anything else (a WebSocket
    frame, a free-form object) checks here first. Keys count too. Iterative,
    like ``depth_exceeds``. ``nul=False`` looks for unpaired surrogates only.
    """
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _unstorable(item, nul=nul):
                return True
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def has_wide_integer(value: Any) -> bool:
    """Whether a decoded JSON value holds an integer beyond 64 bits.

    JSON numbers have no size limit and Python keeps them exact, but nothing
    the platform stores or sends on holds them: PostgreSQL's ``bigint`` and
    msgpack (the channel layer's encoding) stop at 64 bits, and fail with an
    error of their own far from the input. A decoder that hands values on
    checks here first. Iterative, like ``depth_exceeds``.
    """
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, int) and not isinstance(item, bool):
            if not INT64_MIN <= item <= INT64_MAX:
                return True
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def loads(data: str | bytes | bytearray, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Decode JSON text: ``ValueError`` when malformed, ``JsonTooDeepError`` when too deep.

    ``NaN``, ``Infinity`` and numbers beyond a finite float are malformed, as
    in strict JSON; so is an integer of more digits than Python converts
    (``ValueError`` too).
    """
    try:
        value = json.loads(data, parse_float=_finite_float, parse_constant=_refuse_constant)
    except RecursionError:
        raise JsonTooDeepError(max_depth) from None
    if depth_exceeds(value, max_depth):
        raise JsonTooDeepError(max_depth)
    return value


class UnpairedSurrogateError(ApiError):
    """Text with half of a surrogate pair: no UTF-8 form, so neither storable nor
    even quotable in an error message (it was a 500 wherever a field echoed it)."""

    def __init__(self) -> None:
        super().__init__(
            "invalid_text",
            _("The request body contains text that is not valid Unicode (an unpaired surrogate)."),
        )


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the limits of ``loads``.

    Malformed bodies stay DRF's ``ParseError`` (the error contract answers
    ``malformed_json``); too deep a body is ``json_too_deep``; text with an
    unpaired surrogate is ``invalid_text``. A NUL character is left to the
    fields, which refuse it with a field error (DRF's ``CharField``).
    """

    max_depth = MAX_JSON_DEPTH

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            text = codecs.getreader(encoding)(stream).read()
            value = loads(text, max_depth=self.max_depth)
        except ValueError as exc:  # also UnicodeDecodeError
            raise ParseError(f"JSON parse error - {exc}") from None
        if has_unstorable_text(value, nul=False):
            raise UnpairedSurrogateError()
        return value
