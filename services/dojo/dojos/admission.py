"""A bound on the HTTP requests one daphne instance serves at once.

Django's ASGI handler runs each request's code on a thread of its own. An
instance that receives a storm of requests (the tickets of every socket of an
instance that just died, reconnecting at once) would start one thread per
request: on the development machine one instance reached 519 threads and a
load average of 165, slowed every connection it held, and did not recover
until it was killed.

``AdmissionBound`` wraps the HTTP application (WebSockets pass through):

- at most ``concurrency`` requests run at once (a thread each), which is also
  about what the instance's database pool can serve;
- up to ``backlog`` more wait their turn, in order, costing a coroutine each;
- beyond that, a request is answered at once: 503 ``server_busy`` with
  ``Retry-After: 1``, in the error contract's shape and the client's language.
  The mobile apps' dojo sessions retry a failed ticket with back-off unless
  the failure is final (a 5xx is not).

The bound is the instance's, not an organization's (ADR 0053).

A waiting request whose client goes away (cancelled) gives its place up.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

from pocdex_shared import errors

logger = logging.getLogger("dojos.admission")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[
    [Any, Any, Any], Awaitable[Any]
]  # an ASGI application (Django's handler types its own)

RETRY_AFTER_SECONDS = 1


def language_of(scope: Scope) -> str:
    """The supported language the client asks for first (``Accept-Language``)."""
    header = b""
    for name, value in scope.get("headers") or ():
        if name.lower() == b"accept-language":
            header = value
            break
    for code, _quality in trans_real.parse_accept_lang_header(header.decode("latin-1")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return str(settings.LANGUAGE_CODE)


def busy_body(scope: Scope) -> bytes:
    error = errors.ApiError("server_busy", errors.MESSAGES["server_busy"], status=503)
    with translation.override(language_of(scope)):
        return json.dumps(error.as_dict(), ensure_ascii=False).encode()


class AdmissionBound:
    def __init__(
        self,
        app: App,
        *,
        concurrency: int,
        backlog: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if concurrency < 1 or backlog < 0:
            raise ValueError("concurrency must be at least 1 and backlog at least 0")
        self.app, self.concurrency, self.backlog = app, concurrency, backlog
        self.running = 0
        self.waiting = 0
        self.refused = 0
        self._turns: asyncio.Semaphore | None = None
        self.clock = clock
        self._reported_at = -float("inf")

    @property
    def turns(self) -> asyncio.Semaphore:
        if self._turns is None:  # made on the serving loop, at the first request
            self._turns = asyncio.Semaphore(self.concurrency)
        return self._turns

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        turns = self.turns
        if turns.locked() and self.waiting >= self.backlog:
            self.refused += 1
            self.report_refusals()
            await self.refuse(scope, send)
            return
        self.waiting += 1
        try:
            await turns.acquire()
        finally:
            self.waiting -= 1
        self.running += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.running -= 1
            turns.release()

    def report_refusals(self) -> None:
        """A warning at the first refusal, then at most one a second (a storm is many)."""
        now = self.clock()
        if now - self._reported_at < 1.0:
            return
        logger.warning(
            "HTTP requests refused: %d so far; %d running, %d waiting",
            self.refused,
            self.running,
            self.waiting,
            extra={"refused": self.refused, "running": self.running, "waiting": self.waiting},
        )
        self._reported_at = now

    async def refuse(self, scope: Scope, send: Send) -> None:
        body = busy_body(scope)
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
