"""ORM work of the WebSocket side, on worker threads, in an organization's schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import connection

T = TypeVar("T")


async def in_schema(schema: str, function: Callable[..., T], *args: Any) -> T:
    """Run ORM code in the organization's schema, on one of the worker threads.

    These long-lived threads only ever run this function. Each keeps the
    connection it borrowed from the pool and the schema it last selected, so a
    thread that serves the same organization again issues neither a pool
    checkout nor a ``SET search_path`` (``TENANT_LIMIT_SET_CALLS``). A
    connection that saw an error is given back and replaced on the next call.

    The organization's status is not read again here (a query per frame): a
    socket is admitted under ``Require.ACTIVE`` and closed when its
    organization leaves that status (``access``, ADR 0025).
    """

    def run() -> T:
        try:
            if connection.schema_name != schema:  # type: ignore[attr-defined]
                connection.set_schema(schema)  # type: ignore[attr-defined]
            return function(*args)
        finally:
            if connection.errors_occurred or connection.needs_rollback:
                connection.close()

    return await sync_to_async(run, thread_sensitive=False)()
