"""A dojo WebSocket client for tests and benchmarks: the real protocol, the real OT client.

It checks what every client of the protocol may rely on: sequence numbers
arrive gapless and in order, and its document equals the server's after every
operation. ``transport`` is a ``channels.testing.WebsocketCommunicator`` (the
consumer in-process) or a ``websockets`` connection to a real daphne.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any, Protocol

from pocdex_shared.ot import OTClient
from pocdex_shared.ot.operation import TextOperation

Frame = dict[str, Any]
_ids = itertools.count(1)


class ProtocolViolationError(AssertionError):
    """The server broke a promise of the protocol (an AssertionError, so tests fail on it)."""


def _expect(condition: object, message: object) -> None:
    if not condition:
        raise ProtocolViolationError(message)


class Transport(Protocol):
    """What the client needs from a connection: text frames in and out."""

    async def send(self, text: str) -> None: ...

    async def receive(self, timeout: float) -> str: ...

    async def close(self) -> None: ...


class CommunicatorTransport:
    def __init__(self, communicator: Any) -> None:
        self.communicator = communicator

    async def send(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def receive(self, timeout: float) -> str:
        message = await self.communicator.receive_output(timeout)
        if message["type"] == "websocket.close":
            raise ConnectionError(f"closed {message.get('code')}")
        return str(message["text"])

    async def close(self) -> None:
        await self.communicator.disconnect()


class WebsocketsTransport:
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    async def send(self, text: str) -> None:
        await self.connection.send(text)

    async def receive(self, timeout: float) -> str:
        return str(await asyncio.wait_for(self.connection.recv(), timeout))

    async def close(self) -> None:
        await self.connection.close()


class DojoClient:
    def __init__(self, name: str) -> None:
        self.name = name
        self.transport: Transport | None = None
        self.seq = 0
        self.events: list[Frame] = []
        self.other: list[Frame] = []
        self.editor: OTClient = OTClient()
        self.outstanding_id: str | None = None
        self.welcome: Frame = {}
        self.acknowledged: list[str] = []

    # ------------------------------------------------------------ connection

    async def attach(self, transport: Transport) -> Frame:
        """Read the welcome; with a full state, start the editor from it."""
        self.transport = transport
        welcome = json.loads(await transport.receive(5))
        _expect(welcome["type"] == "welcome", welcome)
        self.welcome = welcome
        if not welcome["resumed"]:
            state = welcome["state"]
            self.seq = state["seq"]
            self.editor = OTClient(document=state["document"], revision=state["revision"])
        else:
            _expect(welcome["last_seq"] == self.seq, "resumed from another sequence number")
        return welcome

    async def close(self) -> None:
        if self.transport is not None:
            await self.transport.close()
            self.transport = None

    # ------------------------------------------------------------ sending

    async def send(self, frame: Frame) -> None:
        if self.transport is None:
            raise RuntimeError(f"{self.name} is not connected")
        await self.transport.send(json.dumps(frame))

    async def send_raw(self, text: str) -> None:
        if self.transport is None:
            raise RuntimeError(f"{self.name} is not connected")
        await self.transport.send(text)

    async def edit(self, operation: TextOperation) -> None:
        """A local edit: applied at once, sent when nothing else is in flight."""
        outgoing = self.editor.apply_local(operation)
        if outgoing is not None:
            await self._send_op(outgoing.revision, outgoing.operation)

    async def _send_op(self, revision: int, operation: TextOperation) -> None:
        self.outstanding_id = f"{self.name}-{next(_ids)}"
        await self.send(
            {
                "type": "op",
                "id": self.outstanding_id,
                "revision": revision,
                "op": operation.to_json(),
            }
        )

    async def resend(self) -> None:
        outgoing = self.editor.resend()
        if outgoing is not None:
            if self.outstanding_id is None:
                raise RuntimeError("an outstanding operation without its id")
            await self.send(
                {
                    "type": "op",
                    "id": self.outstanding_id,
                    "revision": outgoing.revision,
                    "op": outgoing.operation.to_json(),
                }
            )

    def insert_at_end(self, text: str) -> TextOperation:
        length = len(self.editor.document)
        parts: list[Any] = ([length] if length else []) + [text]
        return TextOperation.from_json(parts)

    # ------------------------------------------------------------ receiving

    async def next(self, timeout: float = 5) -> Frame:
        if self.transport is None:
            raise RuntimeError(f"{self.name} is not connected")
        frame: Frame = json.loads(await self.transport.receive(timeout))
        if "seq" in frame and frame.get("type") not in ("welcome", "op_ack"):
            _expect(
                frame["seq"] == self.seq + 1, f"{self.name}: seq {frame['seq']} after {self.seq}"
            )
            self.seq = frame["seq"]
            self.events.append(frame)
            if frame["type"] == "op":
                await self._integrate(frame)
        else:
            self.other.append(frame)
        return frame

    async def _integrate(self, frame: Frame) -> None:
        if frame.get("id") and frame["id"] == self.outstanding_id:
            self.acknowledged.append(frame["id"])
            self.outstanding_id = None
            outgoing = self.editor.server_ack()
            if outgoing is not None:
                await self._send_op(outgoing.revision, outgoing.operation)
        else:
            self.editor.apply_server(TextOperation.from_json(frame["op"]))
        _expect(
            self.editor.revision == frame["revision"] or self.editor.outstanding is not None,
            f"{self.name}: at revision {self.editor.revision}, the server at {frame['revision']}",
        )

    async def until(self, predicate: Callable[[Frame], bool], timeout: float = 8) -> Frame:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: nothing matched in {timeout}s")
            frame = await self.next(remaining)
            if predicate(frame):
                return frame

    async def until_seq(self, seq: int, timeout: float = 8) -> None:
        if self.seq >= seq:
            return
        await self.until(lambda _f: self.seq >= seq, timeout)

    async def settle(self, timeout: float = 8) -> None:
        """Wait until nothing of ours is in flight."""
        if self.editor.outstanding is None:
            return
        await self.until(lambda _f: self.editor.outstanding is None, timeout)

    async def error(self, timeout: float = 5) -> Frame:
        return await self.until(lambda f: f.get("type") == "error", timeout)

    @property
    def document(self) -> str:
        return self.editor.document

    def of_type(self, kind: str) -> list[Frame]:
        return [e for e in self.events if e["type"] == kind]
