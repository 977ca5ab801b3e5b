"""Keyset (cursor) pagination: ``?cursor=…&limit=…`` → ``{"results": [...], "next": …}``.

Why keyset rather than DRF's ``CursorPagination`` or offsets: the mobile apps
scroll lists that change while they scroll (POCs are added all the time).
Offsets then repeat or skip rows; DRF's cursor positions on the first ordering
field only and skips ties with an offset. Here the cursor holds the values of
every ordering field of the last row, and the next page is "rows strictly after
that tuple", which is stable under inserts and deletes and uses the
``(created_at, id)`` index instead of counting rows.

Ordering is ``-created_at`` by default; a view sets ``cursor_ordering`` (or a
subclass sets ``ordering``) to change it. A primary-key tie-breaker is appended
unless the last field is already unique, so ties never repeat or lose rows.
Ordering fields must not be nullable. Plain sequences (already in memory) are
paginated the same way, their items read by key or attribute.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import operator
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cmp_to_key, reduce
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db.models import Model, Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import format_lazy
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from pocdex_shared.errors import ApiError
from pocdex_shared.errors import gettext_lazy as _

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_LIMIT_RE = re.compile(r"[0-9]{1,6}")
_TIE_BREAKERS = frozenset({"pk", "id"})
_MAX_CURSOR_LENGTH = 2048


@dataclass(frozen=True)
class OrderField:
    name: str
    descending: bool

    @classmethod
    def parse(cls, spec: str) -> OrderField:
        return cls(name=spec.lstrip("-"), descending=spec.startswith("-"))

    def __str__(self) -> str:
        return f"-{self.name}" if self.descending else self.name


_CURSOR_RE = re.compile(r"[A-Za-z0-9_-]+")
_INT_LIMIT = 2**63  # what PostgreSQL's bigint holds


def _scalar(raw: Any) -> bool:
    """A value ``encode_cursor`` can have written: a bounded number or text without NUL."""
    if isinstance(raw, bool):
        return False
    if isinstance(raw, int):
        return -_INT_LIMIT <= raw < _INT_LIMIT
    if isinstance(raw, float):
        return math.isfinite(raw)
    return isinstance(raw, str) and "\x00" not in raw


def invalid_cursor() -> ApiError:
    return ApiError("invalid_cursor", _("The cursor is invalid. Start again from the first page."))


def _encode_value(value: Any, field: str) -> Any:
    if value is None:
        raise ImproperlyConfigured(
            f"Cursor ordering field {field!r} is null on a row: order by non-nullable fields."
        )
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, Model):
        return _encode_value(value.pk, field)
    return value


def _coerce(raw: Any, like: Any) -> Any:
    """A cursor value back in the type of the values it is compared with."""
    parsed: Any
    if not _scalar(raw):
        raise ValueError(f"not a cursor value: {raw!r}")
    if isinstance(like, dt.datetime):
        parsed = parse_datetime(raw) if isinstance(raw, str) else None
    elif isinstance(like, dt.date):
        parsed = parse_date(raw) if isinstance(raw, str) else None
    elif isinstance(like, uuid.UUID | Decimal):
        parsed = type(like)(str(raw))
    elif isinstance(like, int | float | str) and not isinstance(like, bool):
        parsed = raw if type(raw) is type(like) else None
    else:
        parsed = raw
    if parsed is None:
        raise ValueError(f"cannot read {raw!r} as {type(like).__name__}")
    return parsed


def _read(item: Any, field: str) -> Any:
    """An ordering value of an in-memory item (mapping key or attribute, ``a__b`` walks)."""
    value = item
    for part in field.split("__"):
        names = (part, "id") if part == "pk" else (part,)
        for name in names:
            if isinstance(value, Mapping) and name in value:
                value = value[name]
                break
            if not isinstance(value, Mapping) and hasattr(value, name):
                value = getattr(value, name)
                break
        else:
            raise ImproperlyConfigured(f"Cannot read ordering field {field!r} of {item!r}.")
    return value


class CursorPagination(BasePagination):
    """The one pagination of every Pocdex list endpoint."""

    cursor_query_param = "cursor"
    limit_query_param = "limit"
    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT
    ordering: Sequence[str] = ("-created_at",)

    next_cursor: str | None = None

    # ------------------------------------------------------------- requests

    def get_limit(self, request: Request) -> int:
        raw = request.query_params.get(self.limit_query_param)
        if raw is None or raw == "":
            return self.default_limit
        if _LIMIT_RE.fullmatch(raw) and 1 <= int(raw) <= self.max_limit:
            return int(raw)
        raise ApiError(
            "invalid_limit",
            format_lazy(
                _("The limit must be a whole number from 1 to {max_limit}."),
                max_limit=self.max_limit,
            ),
        )

    def get_ordering(self, queryset: Any, view: Any | None) -> list[OrderField]:
        specs = getattr(view, "cursor_ordering", None) or self.ordering
        if isinstance(specs, str):
            specs = (specs,)
        fields = [OrderField.parse(spec) for spec in specs]
        if not fields:
            raise ImproperlyConfigured("Cursor pagination needs at least one ordering field.")
        if not self._is_unique(queryset, fields[-1].name):
            fields.append(OrderField(name="pk", descending=fields[-1].descending))
        return fields

    @staticmethod
    def _is_unique(queryset: Any, name: str) -> bool:
        if name in _TIE_BREAKERS:
            return True
        if not isinstance(queryset, QuerySet) or "__" in name:
            return False
        try:
            field = queryset.model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        return bool(getattr(field, "unique", False))

    # ------------------------------------------------------------- cursors

    @staticmethod
    def _fingerprint(ordering: Sequence[OrderField]) -> str:
        return ",".join(str(field) for field in ordering)

    def encode_cursor(self, item: Any, ordering: Sequence[OrderField]) -> str:
        values = [_encode_value(_read(item, field.name), field.name) for field in ordering]
        payload = json.dumps(
            {"o": self._fingerprint(ordering), "v": values}, separators=(",", ":")
        ).encode()
        return base64.urlsafe_b64encode(payload).rstrip(b"=").decode("ascii")

    def decode_cursor(self, raw: str, ordering: Sequence[OrderField]) -> list[Any]:
        """The raw (JSON) values of a cursor, or ``invalid_cursor``.

        A cursor minted for another ordering is refused: its values would be
        compared with the wrong fields and silently skip rows.
        """
        if len(raw) > _MAX_CURSOR_LENGTH or not _CURSOR_RE.fullmatch(raw):
            raise invalid_cursor()
        try:
            padded = (raw + "=" * (-len(raw) % 4)).encode("ascii")
            data = json.loads(base64.b64decode(padded, altchars=b"-_", validate=True))
        except (binascii.Error, ValueError):  # UnicodeError is a ValueError
            raise invalid_cursor() from None
        if (
            not isinstance(data, dict)
            or data.get("o") != self._fingerprint(ordering)
            or not isinstance(data.get("v"), list)
            or len(data["v"]) != len(ordering)
        ):
            raise invalid_cursor()
        return list(data["v"])

    # ------------------------------------------------------------- pages

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any | None = None
    ) -> list[Any]:
        limit = self.get_limit(request)
        ordering = self.get_ordering(queryset, view)
        raw_cursor = request.query_params.get(self.cursor_query_param) or None
        after = self.decode_cursor(raw_cursor, ordering) if raw_cursor else None
        if isinstance(queryset, QuerySet):
            rows = self._queryset_page(queryset, ordering, after, limit + 1)
        else:
            rows = self._sequence_page(queryset, ordering, after, limit + 1)
        page = rows[:limit]
        self.next_cursor = self.encode_cursor(page[-1], ordering) if len(rows) > limit else None
        return page

    def _queryset_page(
        self,
        queryset: QuerySet[Any],
        ordering: Sequence[OrderField],
        after: list[Any] | None,
        count: int,
    ) -> list[Any]:
        queryset = queryset.order_by(*(str(field) for field in ordering))
        if after is not None:
            values = [
                self._to_python(queryset, field, raw)
                for field, raw in zip(ordering, after, strict=True)
            ]
            queryset = queryset.filter(self._after_q(ordering, values))
        return list(queryset[:count])

    @staticmethod
    def _to_python(queryset: QuerySet[Any], field: OrderField, raw: Any) -> Any:
        """A cursor value as the database compares it, or ``invalid_cursor``.

        Only what ``encode_cursor`` writes is accepted: a scalar without NUL
        characters (PostgreSQL refuses them in text) that encodes back to itself,
        so ``true`` for a name or ``"5"`` for a number is refused, not coerced.
        """
        if not _scalar(raw):
            raise invalid_cursor()
        meta = queryset.model._meta
        try:
            model_field = meta.pk if field.name == "pk" else meta.get_field(field.name)
            if model_field is None:
                raise FieldDoesNotExist(field.name)
            value = model_field.to_python(raw)
        except FieldDoesNotExist:
            return raw  # an annotation or a related lookup: let the database compare
        except (ValidationError, TypeError, ValueError, ArithmeticError):
            raise invalid_cursor() from None
        if value is None:
            raise invalid_cursor()
        encoded = _encode_value(value, field.name)
        if type(encoded) is not type(raw) or encoded != raw:
            raise invalid_cursor()
        return value

    @staticmethod
    def _after_q(ordering: Sequence[OrderField], values: Sequence[Any]) -> Q:
        """``(a, b, c) > (x, y, z)`` with per-field directions, as OR of prefixes.

        Row-value comparison ``(a, b) > (x, y)`` would be shorter but only works
        when every field sorts the same way.
        """
        clauses = []
        for index, field in enumerate(ordering):
            lookup = "lt" if field.descending else "gt"
            clause = Q(**{f"{field.name}__{lookup}": values[index]})
            for previous, value in zip(ordering[:index], values[:index], strict=True):
                clause &= Q(**{previous.name: value})
            clauses.append(clause)
        return reduce(operator.or_, clauses)

    @staticmethod
    def _sequence_page(
        items: Sequence[Any],
        ordering: Sequence[OrderField],
        after: list[Any] | None,
        count: int,
    ) -> list[Any]:
        def key(item: Any) -> list[Any]:
            return [_read(item, field.name) for field in ordering]

        def compare(left: Sequence[Any], right: Sequence[Any]) -> int:
            for a, b, field in zip(left, right, ordering, strict=True):
                if a != b:
                    smaller = a < b
                    return (1 if smaller else -1) if field.descending else (-1 if smaller else 1)
            return 0

        rows = sorted(items, key=cmp_to_key(lambda a, b: compare(key(a), key(b))))
        if after is not None and rows:
            try:
                bound = [_coerce(raw, like) for raw, like in zip(after, key(rows[0]), strict=True)]
            except (ValueError, ArithmeticError):
                raise invalid_cursor() from None
            rows = [row for row in rows if compare(key(row), bound) > 0]
        return rows[:count]

    # ------------------------------------------------------------- responses

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"results": data, "next": self.next_cursor})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {
                    "type": "string",
                    "nullable": True,
                    "description": "Opaque cursor of the next page; null on the last page. "
                    "Pass it back unchanged as `cursor`.",
                    "example": "eyJvIjoiLWNyZWF0ZWRfYXQscGsiLCJ2IjpbXX0",
                },
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The `next` value of the previous page; omit for the first page.",
                "schema": {"type": "string"},
            },
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": "Items per page.",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_limit,
                    "default": self.default_limit,
                },
            },
        ]
