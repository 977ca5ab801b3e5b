"""One writer per dojo: an ownership lease in Redis, fenced in PostgreSQL (ADR 0042).

Every client command of a live dojo (``commands.COMMANDS``: edits, chat, test
status, pass, pause, queue, assign) is sequenced by the dojo's **owner**, one
daphne instance at a time, whichever instance the client's socket reached:

- **The lease.** ``dojo-owner:<prefix>:<dojo>`` in the channel layer's Redis
  holds the owner instance's channel, with an expiry (``DOJO_OWNER_LEASE_MS``)
  the owner renews every third of it. Taking a free lease increments
  ``dojo-epoch:<prefix>:<dojo>`` in the same script: the **fencing token**,
  monotonic per dojo. The new owner writes it to the dojo's row
  (``owner_epoch``, only upwards) before it sequences anything.
- **Forwarding.** An instance that does not own the dojo sends the command to
  the owner's channel on the channel layer and waits for the outcome; the
  owner publishes the resulting events to the dojo's group as before, so every
  instance delivers them to its own sockets.
- **Rounds** (ADR 0048). One task per instance takes the queued commands of
  every dojo the instance owns (at most ``DOJO_OWNER_BATCH`` per dojo), applies
  them to its copies of the rows and writes everything in ONE autocommitted
  statement: each dojo's update only if its row is still the version the
  owner read (``xmin``) and carries the owner's epoch, its events and
  snapshots only if that update happened. A row another writer moved on is
  read again and its commands applied again (then, after ``RETRIES``, in the
  locked transaction of ``apply_batch``); a newer owner's epoch fences the
  dojo. Only after the statement are the events published and the senders
  answered: acknowledged still means durable. While one round is written the
  next one gathers, so rounds grow with the load and no timer delays a quiet
  dojo. A round runs on the event loop, on the owner's own connection
  (ADR 0055); a dojo's commands that need more than its row go on on a
  worker thread, in order.
- **Takeover.** An owner that dies stops renewing; when its lease lapses the
  next command takes it with a higher epoch and carries on from the row, the
  last durable state. A command forwarded to an owner that stays silent is
  sent again to the new owner, marked as such; its id (``DojoEvent.request``,
  stored with its events) tells the new owner whether the old one had
  committed it, so it is never applied twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from psycopg import sql
from redis.asyncio import Redis

from pocdex_shared.callers import Caller

from . import statements
from .engine import Change, WriteFirstError
from .models import Dojo, DojoEvent, Snapshot
from .rules import DojoError, can_see
from .threads import in_schema

logger = logging.getLogger(__name__)

Outcome = dict[str, Any]
# actor, frame, language[, the command's id, and whether it is sent again]
Item = tuple[Any, ...]
# How far back a command sent again is looked for (sequence numbers).
RESENT_WINDOW = 10_000
# At most this many dojos' owners are remembered (``Owners._remember``).
HOLDERS_KEPT = 10_000

COMMAND = "dojo.command"
OUTCOME = "dojo.outcome"

# Take a free lease and hand out the next fencing token, atomically.
ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local epoch = redis.call('INCR', KEYS[2])
  local floor = tonumber(ARGV[3])
  if epoch <= floor then
    epoch = floor + 1
    redis.call('SET', KEYS[2], epoch)
  end
  return epoch
end
return 0
"""
# Renew every lease an instance holds in one round trip: 1 per key renewed, 0 per
# key lost. The lease and epoch keys live on one node (the cache has no cluster
# mode, cdk/pocdex_cdk/cache.py), so a script may touch any number of them.
RENEW = """
local renewed = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
    renewed[i] = 1
  else
    renewed[i] = 0
  end
end
return renewed
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class FencedError(Exception):
    """The dojo's row carries another owner's epoch: this owner is stale."""


def caller_json(actor: Caller) -> dict[str, Any]:
    return {
        "id": str(actor.id),
        "tenant_id": str(actor.tenant_id),
        "role": actor.role,
        "name": actor.name,
        "session_id": actor.session_id,
        "token_id": actor.token_id,
    }


def caller_from(data: dict[str, Any]) -> Caller:
    return Caller(
        id=uuid.UUID(data["id"]),
        tenant_id=uuid.UUID(data["tenant_id"]),
        role=data["role"],
        name=data["name"],
        session_id=data.get("session_id"),
        token_id=data.get("token_id"),
    )


# ------------------------------------------------------------------ the database side


def claim(dojo_id: uuid.UUID, epoch: int) -> int | None:
    """Write ``epoch`` to the dojo's row if it is higher: None when written, else the row's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dojos_dojo SET owner_epoch = %s WHERE id = %s AND owner_epoch < %s",
            [epoch, dojo_id, epoch],
        )
        if cursor.rowcount == 1:
            return None
        cursor.execute("SELECT owner_epoch FROM dojos_dojo WHERE id = %s", [dojo_id])
        row = cursor.fetchone()
    if row is None:
        raise DojoError("dojo_not_found", _("This dojo does not exist."), status=404)
    return int(row[0])


def apply_batch(
    dojo_id: uuid.UUID, epoch: int, items: list[Item]
) -> tuple[list[Outcome], list[dict[str, Any]]]:
    """Apply queued commands in one fenced transaction: their outcomes, and the events.

    Raises ``FencedError`` (nothing written) when the row is not this owner's any more.
    A refused command (``DojoError``) changes nothing: every command checks
    before it changes the state, and the next one sees the state as it was.
    """

    outcomes: list[Outcome] = []
    events: list[dict[str, Any]] = []
    with transaction.atomic():
        dojo = statements.lock_owned(Dojo, dojo_id, epoch)
        if dojo is None:
            raise FencedError
        deferred: set[str] = set()
        pending: list[DojoEvent] = []
        for actor_data, frame, language, *more in items:
            request, resent = [*more, None, False][:2]
            if resent and request and pending:
                statements.insert_many(pending)
                pending.clear()
            if resent and request and _applied(dojo, request):
                # Sent again after its owner died: that owner had committed it.
                outcomes.append({"ok": True, "duplicate_of": None})
                continue
            change = Change(dojo, deferred=deferred, request=request, pending=pending)
            outcome = _command(change, actor_data, frame, language)
            outcomes.append(outcome)
            if "ok" in outcome:
                events.extend(change.events)
        if events:
            deferred.update(("last_seq", "updated_at"))
        if deferred:
            # The events and the row in one statement: one round trip for the batch.
            statements.insert_many_and_update(pending, dojo, sorted(deferred))
        else:
            statements.insert_many(pending)
    return outcomes, events


def _command(
    change: Change, actor_data: dict[str, Any], frame: dict[str, Any], language: str
) -> Outcome:
    """Apply one command to ``change``'s dojo, in its sender's language: its outcome.

    A refusal (``DojoError``) is an outcome; ``WriteFirstError`` goes through
    (a round ends its pass there).
    """
    from .commands import COMMANDS

    actor = caller_from(actor_data)
    with translation.override(language):
        try:
            if not can_see(actor, change.dojo):
                raise DojoError("dojo_not_found", _("This dojo does not exist."), status=404)
            COMMANDS[frame["type"]](change, actor, frame)
        except DojoError as exc:
            return {"code": exc.code, "message": str(exc.message)}
    return {"ok": True, "duplicate_of": change.duplicate_of}


def _applied(dojo: Dojo, request: str) -> bool:
    return DojoEvent.objects.filter(
        dojo=dojo, seq__gt=dojo.last_seq - RESENT_WINDOW, request=request
    ).exists()


# A dojo whose row keeps moving on under the owner's statement (another writer:
# presence, the rotation timer, REST) is written this many times with a fresh
# copy, then through a locked transaction, which always goes through.
RETRIES = 3
# Commands that write another table as they apply (``pass`` credits the piloto's
# time on the participant's row): applied in the locked transaction of
# ``apply_batch``, so that write and the row's commit or roll back together. In a
# compare-and-set pass it would be committed at once, and again if the statement
# found the row moved on and the commands were applied a second time.
IN_TRANSACTION = frozenset({"pass"})


@dataclass
class Work:
    """One dojo's commands in a round (``apply_works``), and what became of them."""

    schema: str
    dojo_id: uuid.UUID
    epoch: int
    # The owner's copy of the row and its version (``xmin``); None: read it first.
    row: Dojo | None
    version: str | None
    items: list[Item]
    outcomes: list[Outcome] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    fenced: bool = False
    attempts: int = 0


@dataclass
class _Pass:
    work: Work
    write: statements.Write | None
    outcomes: list[Outcome]
    events: list[dict[str, Any]]
    consumed: int


def _internal_error() -> Outcome:
    return {"code": "internal_error", "message": _("Something went wrong on our side.")}


def apply_round(works: list[Work]) -> list[Work]:
    """Apply the queued commands of many dojos, of any organizations, in one statement.

    The owner's copy of each row (read once, then kept between rounds) takes the
    commands in order; what they produce is written by one autocommitted
    compare-and-set statement for every dojo of the round
    (``statements.compare_and_write``): a dojo whose row moved on (another
    writer) or whose epoch is another owner's writes nothing; its row is read
    again and its commands applied again (``RETRIES`` times, then in a locked
    transaction, ``apply_batch``). A command that must read the log while
    events are held back ends its dojo's pass: what came before is written, and
    the next pass goes on from it. ``works`` come back with their outcomes
    (one per command applied, in order; commands left without one are to be
    sent to the dojo's next owner) and events; ``fenced`` when the dojo is
    another owner's now.
    """
    todo = [work for work in works if work.items]
    while todo:
        connection.ensure_connection()
        raw = connection.connection
        try:
            _read_rows(raw, [work for work in todo if work.row is None])
            passes, locked = [], []
            for work in todo:
                if not work.items or work.fenced:
                    continue
                if work.attempts >= RETRIES:
                    locked.append(work)
                    continue
                passes.append(_pass(work))
            _write(raw, passes)
        finally:
            if raw.closed or getattr(raw, "broken", False):
                connection.close()
        for work in locked:
            _apply_locked(work)
        todo = [work for work in todo if work.items and not work.fenced]
    return works


def _by_schema(works: list[Work]) -> dict[str, list[Work]]:
    by_schema: dict[str, list[Work]] = defaultdict(list)
    for work in works:
        by_schema[work.schema].append(work)
    return by_schema


def _read_rows(raw: Any, works: list[Work]) -> None:
    with raw.cursor() as cursor:
        for schema, group in _by_schema(works).items():
            rows = statements.read_versions(cursor, schema, Dojo, [w.dojo_id for w in group])
            _take_rows(group, rows)


def _take_rows(group: list[Work], rows: dict[Any, tuple[Dojo, str]]) -> None:
    """The rows read for ``group``: each work's copy, or its commands refused (dojo gone)."""
    for work in group:
        found = rows.get(work.dojo_id)
        if found is None:  # the dojo is gone
            missing = {"code": "dojo_not_found", "message": _("This dojo does not exist.")}
            work.outcomes += [missing] * len(work.items)
            work.items = []
            continue
        work.row, work.version = found
        work.fenced = work.row.owner_epoch != work.epoch


def _pass(work: Work, *, on_loop: bool = False) -> _Pass:
    """Apply the dojo's commands to the owner's copy until one must read what is held back.

    ``on_loop``: on the event loop (``apply_on_loop``), where nothing may wait
    on the database: the pass also ends before a command that reads or writes
    more than the dojo's row and its log (``ON_LOOP``), a command sent again,
    and a command that would read the log; those are left in ``work.items``.
    """

    dojo, version = work.row, work.version
    if dojo is None or version is None:
        raise RuntimeError("a pass needs the owner's copy of the row")
    if not on_loop and connection.schema_name != work.schema:  # type: ignore[attr-defined]
        connection.set_schema(work.schema)  # type: ignore[attr-defined]  # for reads of the log
    deferred: set[str] = set()
    pending: list[DojoEvent] = []
    snapshots: list[Snapshot] = []
    outcomes: list[Outcome] = []
    events: list[dict[str, Any]] = []
    consumed = 0
    try:
        for actor_data, frame, language, *more in work.items:
            request, resent = [*more, None, False][:2]
            if on_loop and ((resent and request) or frame.get("type") not in ON_LOOP):
                break  # on a worker thread (``Owners._apply``)
            if frame.get("type") in IN_TRANSACTION:
                # It writes another table at once: with the row, in one transaction.
                work.attempts = RETRIES  # ``apply_round`` takes the locked path next
                break
            if resent and request:
                if pending:
                    break  # written first, then looked for in the log
                if _applied(dojo, request):
                    outcomes.append({"ok": True, "duplicate_of": None})
                    consumed += 1
                    continue
            change = Change(
                dojo,
                deferred=deferred,
                request=request,
                pending=pending,
                write_first=True,
                snapshots=snapshots,
                reads=not on_loop,
            )
            try:
                outcome = _command(change, actor_data, frame, language)
            except WriteFirstError:
                break
            outcomes.append(outcome)
            consumed += 1
            if "ok" in outcome:
                events.extend(change.events)
    except Exception:
        # A fault in one dojo's commands stays with that dojo: its copy is dropped.
        logger.exception("dojo batch failed", extra={"dojo": str(work.dojo_id)})
        work.outcomes += [_internal_error()] * len(work.items)
        work.items, work.row, work.version = [], None, None
        return _Pass(work, None, [], [], 0)
    if pending:
        deferred.update(("last_seq", "updated_at"))
    if not consumed and (on_loop or work.attempts >= RETRIES):
        # The first command is for a worker thread, or for the locked transaction.
        return _Pass(work, None, [], [], 0)
    if not consumed:  # cannot happen (a pass stops only after a command): never loop on it
        logger.error("dojo pass applied nothing", extra={"dojo": str(work.dojo_id)})
        work.outcomes += [_internal_error()] * len(work.items)
        work.items, work.row, work.version = [], None, None
        return _Pass(work, None, [], [], 0)
    write = None
    if deferred:
        write = statements.Write(
            work.schema,
            dojo,
            version,
            work.epoch,
            sorted(deferred),
            [(pending, False), (snapshots, True)],
        )
    return _Pass(work, write, outcomes, events, consumed)


def _write(raw: Any, passes: list[_Pass]) -> None:
    writes = [p.write for p in passes if p.write is not None]
    written: dict[int, str] | None
    try:
        written = {}
        if writes:
            with raw.cursor() as cursor:
                written = statements.compare_and_write(cursor, writes)
    except Exception:
        if len(writes) <= 1:
            logger.exception("dojo write failed")
            written = None
        else:
            # Which dojo's write fails: each alone, so the others still go through.
            written = {}
            for position, write in enumerate(writes):
                try:
                    with raw.cursor() as cursor:
                        alone = statements.compare_and_write(cursor, [write])
                except Exception:
                    logger.exception("dojo write failed", extra={"schema": write.schema})
                    alone = {0: ""}
                if alone:
                    written[position] = alone[0]
    _settle_writes(passes, written)


def _settle_writes(passes: list[_Pass], written: dict[int, str] | None) -> None:
    """What a round's statement did, dojo by dojo: ``written`` is None when it failed.

    ``written`` maps the position of each write that went through to the row's
    new version (``statements.compare_and_write``); "" marks a write that failed.
    """
    position = 0
    for done in passes:
        work = done.work
        if done.write is None:
            _settle(done)
            continue
        version = None if written is None else written.get(position)
        position += 1
        if version == "" or written is None:
            work.outcomes += [_internal_error()] * len(work.items)
            work.items, work.row, work.version = [], None, None
        elif version is None:
            # The row moved on, or the dojo has another owner: read it, apply again.
            work.row, work.version = None, None
            work.attempts += 1
        else:
            _settle(done)
            work.version = version


def _settle(done: _Pass) -> None:
    work = done.work
    work.outcomes += done.outcomes
    work.events += done.events
    work.items = work.items[done.consumed :]


def _apply_locked(work: Work) -> None:
    """The dojo's commands in a locked transaction (``apply_batch``), in its schema."""
    if connection.schema_name != work.schema:  # type: ignore[attr-defined]
        connection.set_schema(work.schema)  # type: ignore[attr-defined]
    try:
        outcomes, events = apply_batch(work.dojo_id, work.epoch, work.items)
    except FencedError:
        work.fenced = True
        return
    except DojoError as exc:  # the dojo itself is gone
        outcomes = [{"code": exc.code, "message": str(exc.message)}] * len(work.items)
        events = []
    except Exception:
        logger.exception("dojo batch failed", extra={"dojo": str(work.dojo_id)})
        outcomes, events = [_internal_error()] * len(work.items), []
    finally:
        if connection.errors_occurred or connection.needs_rollback:
            connection.close()
    work.outcomes += outcomes
    work.events += events
    work.items, work.row, work.version, work.attempts = [], None, None, 0


# ------------------------------------------------------------------ rounds on the event loop

# The commands that read and write nothing but the dojo's row and its log (and the
# log only to append): a round applies them on the event loop (``apply_on_loop``).
# ``pass`` credits the piloto's time to its participant row and ``assign`` reads
# the participants: those go to a worker thread, as do commands sent again.
ON_LOOP = frozenset({"op", "chat", "test_status", "pause", "resume_timer", "queue"})
# A round applying commands on the loop gives the loop back at least this often.
LOOP_SLICE_SECONDS = 0.002


class RoundConnection:
    """The owner's own connection to PostgreSQL, on the event loop (ADR 0055).

    Autocommitted, with the adapters Django gives its connections (JSON, time
    zones), values bound apart from the statement. One per event loop: tests
    run a loop per test, and a connection belongs to the loop that opened it.
    """

    def __init__(self) -> None:
        self.conn: psycopg.AsyncConnection[Any] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def get(self) -> psycopg.AsyncConnection[Any]:
        loop = asyncio.get_running_loop()
        conn = self.conn
        if conn is not None and (self.loop is not loop or conn.closed or conn.broken):
            conn.pgconn.finish()  # another loop's, or unusable: its socket closed now
            self.conn = conn = None
        if conn is None:
            params = connection.get_connection_params()
            params.pop("cursor_factory", None)  # Django's are for its own connections
            conn = await psycopg.AsyncConnection.connect(**params, autocommit=True)
            zone = connection.timezone_name
            if zone and conn.info.parameter_status("TimeZone") != zone:
                await conn.execute(connection.ops.set_time_zone_sql(), [zone])
            role = connection.settings_dict["OPTIONS"].get("assume_role")
            if role:
                await conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
            self.conn, self.loop = conn, loop
        return conn


async def apply_on_loop(works: list[Work], db: RoundConnection) -> list[Work]:
    """The common part of a round on the event loop: no thread, no lock (ADR 0055).

    Like ``apply_round``'s first pass: the rows missing a copy are read, each
    dojo's commands applied to its copy (``_pass(on_loop=True)``) and what they
    produce written by one compare-and-set statement, on the owner's own
    connection, awaited. What is left in ``works`` is for ``apply_round`` on a
    worker thread, which goes on from there in the same order: a command that
    needs more than the dojo's row (``ON_LOOP``), a row that moved on (read
    again there), a statement PostgreSQL refused (nothing of it was written).
    Without a connection, everything is left for the thread.
    """
    todo = [work for work in works if work.items and not work.fenced]
    if not todo:
        return works
    try:
        conn = await db.get()
    except Exception:
        logger.exception("dojo round connection unavailable")
        return works
    unread = [work for work in todo if work.row is None]
    try:
        if unread:
            async with statements.bound_cursor(conn) as cursor:
                for schema, group in _by_schema(unread).items():
                    ids = [work.dojo_id for work in group]
                    _take_rows(
                        group, await statements.read_versions_async(cursor, schema, Dojo, ids)
                    )
    except Exception:
        logger.exception("dojo rows not read on the loop")
        return works
    passes = []
    since = time.perf_counter()
    for work in todo:
        if not work.items or work.fenced or work.attempts >= RETRIES:
            continue
        passes.append(_pass(work, on_loop=True))
        if time.perf_counter() - since > LOOP_SLICE_SECONDS:
            # A long round (a backlog after a pause) lets deliveries through
            # between its dojos; only this task touches the copies meanwhile.
            await asyncio.sleep(0)
            since = time.perf_counter()
    writes = [done.write for done in passes if done.write is not None]
    written: dict[int, str] | None = {}
    if writes:
        try:
            async with statements.bound_cursor(conn) as cursor:
                written = await statements.compare_and_write_async(cursor, writes)
        except Exception:
            if conn.closed or conn.broken:
                # Whether the statement committed is unknown: answered as failed,
                # as a failed write on a thread is; the rows are read again.
                logger.exception("dojo write failed")
                written = None
            else:
                # Refused: one autocommitted statement, so none of it was written.
                # The thread writes the dojos again, each alone if need be.
                logger.exception("dojo write refused on the loop")
                for done in passes:
                    if done.write is not None:
                        done.work.row, done.work.version = None, None
                _settle_writes([done for done in passes if done.write is None], {})
                return works
    _settle_writes(passes, written)
    return works


async def apply_works(works: list[Work], db: RoundConnection) -> list[Work]:
    """A round: on the event loop what can be (``apply_on_loop``), the rest on a thread.

    The thread (``apply_round``) goes on from where the loop stopped, dojo by
    dojo, so each dojo's commands are applied in the order they came.
    """
    await apply_on_loop(works, db)
    if any(work.items and not work.fenced for work in works):
        await sync_to_async(apply_round, thread_sensitive=False)(works)
    return works


# ------------------------------------------------------------------ the instance side


@dataclass
class Pending:
    actor: dict[str, Any]
    frame: dict[str, Any]
    language: str
    request: str
    resent: bool
    answer: Callable[[Outcome], Any]


@dataclass
class Lease:
    schema: str
    dojo_id: uuid.UUID
    epoch: int
    valid_until: float
    queue: asyncio.Queue[Pending] = field(default_factory=asyncio.Queue)
    last_used: float = field(default_factory=time.monotonic)
    lost: bool = False
    # The owner's copy of the row and its version, kept between rounds (apply_works).
    row: Dojo | None = None
    version: str | None = None

    def usable(self) -> bool:
        return not self.lost and time.monotonic() < self.valid_until


def _seconds(ms: int) -> float:
    return ms / 1000


class Owners:
    """The dojos this instance owns, and the way to any dojo's owner."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.redis: Redis | None = None
        self.leases: dict[tuple[str, uuid.UUID], Lease] = {}
        self.waiting: dict[str, asyncio.Future[Outcome]] = {}
        # The lease holder last seen for dojos owned elsewhere (``_remember``).
        self.holders: dict[uuid.UUID, str] = {}
        self.renewer: asyncio.Task[None] | None = None
        self.replies: set[asyncio.Task[int]] = set()
        # Dojos being taken ahead of their first command (``prepare``).
        self.preparing: dict[tuple[str, uuid.UUID], asyncio.Task[None]] = {}
        # The leases with commands queued, and the one task that applies them all.
        self.due: dict[tuple[str, uuid.UUID], Lease] = {}
        self.wake: asyncio.Event | None = None
        self.committer: asyncio.Task[None] | None = None
        # Rounds are written on the event loop, on this connection (ADR 0055).
        self.db = RoundConnection()

    # ------------------------------------------------------------ plumbing

    def _client(self) -> Redis:
        loop = asyncio.get_running_loop()
        if self.loop is not loop or self.redis is None:
            # Tests run one event loop per test; what belonged to another loop is gone.
            self.loop = loop
            self.redis = Redis.from_url(settings.CHANNEL_REDIS_URL, decode_responses=True)
            self.leases = {}
            self.waiting = {}
            self.holders = {}
            self.renewer = None
            self.preparing = {}
            self.due = {}
            self.wake = None
            self.committer = None
        return self.redis

    @staticmethod
    def _prefix() -> str:
        return str(settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("prefix", "dojo"))

    def lease_key(self, dojo_id: uuid.UUID) -> str:
        return f"dojo-owner:{self._prefix()}:{dojo_id.hex}"

    def epoch_key(self, dojo_id: uuid.UUID) -> str:
        return f"dojo-epoch:{self._prefix()}:{dojo_id.hex}"

    async def _send(self, channel: str, message: dict[str, Any]) -> int:
        """A message to another instance's channel, as the layer's ``send`` would send it.

        On this instance's own Redis client (``live.layer_publish``): forwards
        and answers do not queue behind the layer's lock, nor behind each other.
        How many subscribers received it: 0 when no live instance reads ``channel``.
        """
        from .live import _layer, layer_publish

        [receivers] = await layer_publish(
            _layer(), self._client(), [(channel, message)], groups=False
        )
        return receivers

    def _remember(self, dojo_id: uuid.UUID, holder: str) -> None:
        """Keep who owns a dojo: a forward costs no lookup while the owner stays.

        Forgotten when the owner answers that it does not own the dojo, stays
        silent, or no instance reads its channel any more (``submit``).
        """
        if dojo_id not in self.holders and len(self.holders) >= HOLDERS_KEPT:
            self.holders.clear()
        self.holders[dojo_id] = holder

    async def _channel(self) -> str:
        """What this instance's leases hold: its channel, and its name (host, pid)."""
        from .live import instance

        return f"{await instance._channel()}|{instance.name}"

    # ------------------------------------------------------------ submitting

    async def submit(
        self, schema: str, dojo_id: uuid.UUID, actor: Caller, frame: dict[str, Any], language: str
    ) -> Outcome:
        """Have the dojo's owner apply one command; its outcome once durable (or refused)."""
        redis = self._client()
        me = await self._channel()
        deadline = time.monotonic() + settings.DOJO_COMMAND_TIMEOUT_SECONDS
        request, resent = uuid.uuid4().hex, False
        while time.monotonic() < deadline:
            item = (caller_json(actor), frame, language, request, resent)
            lease = self.leases.get((schema, dojo_id))
            ahead = self.preparing.get((schema, dojo_id))
            if lease is None and ahead is not None:
                # Being taken ahead (``prepare``): its lease, or who holds it, first.
                await asyncio.shield(ahead)
                continue
            outcome: Outcome | None
            if lease is not None and lease.usable():
                outcome = await self._local(lease, item)
            else:
                holder = self.holders.get(dojo_id)
                if holder is None:
                    holder = cast("str | None", await redis.get(self.lease_key(dojo_id)))
                if holder is None or holder == me:
                    if holder == me:  # a lease this instance no longer keeps: let it go
                        await redis.eval(RELEASE, 1, self.lease_key(dojo_id), me)
                    self.holders.pop(dojo_id, None)
                    await self._acquire(schema, dojo_id, me)
                    continue
                self._remember(dojo_id, holder)
                outcome = await self._forward(holder, schema, dojo_id, item, me, deadline)
                # Unanswered by an owner that is gone: it may have committed it.
                resent = resent or outcome is None
                if outcome is None or outcome.get("reroute"):
                    self.holders.pop(dojo_id, None)  # ask Redis who owns it now
            if outcome is not None and not outcome.get("reroute"):
                return outcome
            if outcome is not None:
                # The instance named by the lease does not own the dojo (any more):
                # its lease is about to lapse or to be given up.
                await asyncio.sleep(0.05)
        return {"code": "internal_error", "message": _("Something went wrong on our side.")}

    def prepare(self, schema: str, dojo_id: uuid.UUID) -> None:
        """Take the dojo's lease ahead of its first command, when nobody holds it.

        Called when a connection joins the dojo here (``consumers``): the lease,
        its fencing token and the claim on the row are taken then, not in the
        path of the first edit, and a lease held elsewhere is remembered, so the
        first forward costs no lookup. In the background: the connection's
        welcome does not wait for it, and a failure only leaves the work to the
        first command (``submit``), as before.
        """
        key = (schema, dojo_id)
        self._client()
        lease = self.leases.get(key)
        if (lease is not None and lease.usable()) or dojo_id in self.holders:
            return
        if key in self.preparing:
            return
        task = asyncio.get_running_loop().create_task(self._prepare(schema, dojo_id))
        self.preparing[key] = task
        task.add_done_callback(lambda _task: self.preparing.pop(key, None))

    async def _prepare(self, schema: str, dojo_id: uuid.UUID) -> None:
        try:
            me = await self._channel()
            holder = cast("str | None", await self._client().get(self.lease_key(dojo_id)))
            if holder is None:
                await self._acquire(schema, dojo_id, me)
            elif holder != me:
                self._remember(dojo_id, holder)
        except Exception:
            logger.exception("dojo lease not taken ahead", extra={"dojo": str(dojo_id)})

    async def _local(self, lease: Lease, item: Item) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()

        def answer(outcome: Outcome) -> None:
            if not future.done():  # its sender may have gone meanwhile
                future.set_result(outcome)

        actor, frame, language, request, resent = item
        self._queue(lease, Pending(actor, frame, language, request, resent, answer))
        # The worker answers every command it takes, whatever happens to its batch.
        return await future

    async def _forward(
        self,
        holder: str,
        schema: str,
        dojo_id: uuid.UUID,
        item: Item,
        me: str,
        deadline: float,
    ) -> Outcome | None:
        """Send the command to the owner; None when the owner changed without answering."""
        actor, frame, language, command, resent = item
        request = uuid.uuid4().hex  # this sending's answer
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self.waiting[request] = future
        try:
            receivers = await self._send(
                holder.split("|", 1)[0],
                {
                    "type": COMMAND,
                    "schema": schema,
                    "dojo": dojo_id.hex,
                    "actor": actor,
                    "frame": frame,
                    "language": language,
                    "command": command,
                    "resent": resent,
                    "reply_to": me.split("|", 1)[0],
                    "request": request,
                },
            )
            if not receivers:
                # No instance reads that channel: its process is gone. Nothing was
                # delivered, so nothing was applied; ask again who owns the dojo.
                return {"reroute": True}
            # Wait as long as the same owner keeps its lease: a slow owner (a slow
            # database) still answers; a dead one lets its lease lapse.
            while time.monotonic() < deadline:
                try:
                    return await asyncio.wait_for(
                        asyncio.shield(future), _seconds(settings.DOJO_OWNER_LEASE_MS) / 2
                    )
                except TimeoutError:
                    if await self._client().get(self.lease_key(dojo_id)) != holder:
                        return None
            return None
        finally:
            self.waiting.pop(request, None)

    def answered(self, message: dict[str, Any]) -> None:
        """An owner's answer to a forwarded command (``live.Instance._read``)."""
        future = self.waiting.pop(str(message.get("request")), None)
        if future is not None and not future.done():
            future.set_result(message["outcome"])

    async def received(self, message: dict[str, Any]) -> None:
        """A command forwarded to this instance: queue it if this instance owns the dojo."""
        schema, dojo_id = str(message["schema"]), uuid.UUID(str(message["dojo"]))
        reply_to, request = str(message["reply_to"]), str(message["request"])
        loop = asyncio.get_running_loop()
        self._client()

        def answer(outcome: Outcome) -> None:
            task = loop.create_task(
                self._send(reply_to, {"type": OUTCOME, "request": request, "outcome": outcome})
            )
            self.replies.add(task)
            task.add_done_callback(self.replies.discard)

        lease = self.leases.get((schema, dojo_id))
        if lease is None or not lease.usable():
            answer({"reroute": True})
            return
        self._queue(
            lease,
            Pending(
                message["actor"],
                message["frame"],
                str(message["language"]),
                str(message["command"]),
                bool(message.get("resent")),
                answer,
            ),
        )

    # ------------------------------------------------------------ owning

    async def _acquire(self, schema: str, dojo_id: uuid.UUID, me: str) -> Lease | None:
        """Try to take the dojo's lease: the lease, or None if another instance has it."""
        redis = self._client()
        ttl = settings.DOJO_OWNER_LEASE_MS
        floor = 0
        for _attempt in range(3):
            started = time.monotonic()
            epoch = int(
                await redis.eval(
                    ACQUIRE, 2, self.lease_key(dojo_id), self.epoch_key(dojo_id), me, ttl, floor
                )
            )
            if epoch == 0:
                return None
            # The row only ever takes a higher epoch: a token handed out by a Redis
            # that lost its counter is refused, and the next one starts above the row's.
            refused = await in_schema(schema, claim, dojo_id, epoch)
            if refused is None:
                lease = Lease(schema, dojo_id, epoch, started + _seconds(ttl) * 0.8)
                self.leases[(schema, dojo_id)] = lease
                if self.renewer is None or self.renewer.done():
                    self.renewer = asyncio.get_running_loop().create_task(self._renew())
                logger.info("dojo owned", extra={"dojo": str(dojo_id), "epoch": epoch})
                return lease
            floor = refused
            await redis.eval(RELEASE, 1, self.lease_key(dojo_id), me)
        return None

    def _step_down(self, lease: Lease) -> None:
        """Stop owning: whatever is queued is sent again to whoever owns the dojo next."""
        lease.lost = True
        if self.leases.get((lease.schema, lease.dojo_id)) is lease:
            del self.leases[(lease.schema, lease.dojo_id)]
        self.due.pop((lease.schema, lease.dojo_id), None)
        while not lease.queue.empty():
            lease.queue.get_nowait().answer({"reroute": True})

    def _queue(self, lease: Lease, pending: Pending) -> None:
        """Queue a command of an owned dojo for the next round (``_commit``)."""
        lease.queue.put_nowait(pending)
        lease.last_used = time.monotonic()
        self.due[(lease.schema, lease.dojo_id)] = lease
        if self.wake is None:
            self.wake = asyncio.Event()
        self.wake.set()
        if self.committer is None or self.committer.done():
            self.committer = asyncio.get_running_loop().create_task(self._commit(self.wake))

    async def _commit(self, wake: asyncio.Event) -> None:
        """Apply the queued commands of every dojo this instance owns, a round at a time.

        A round takes what has queued up for each dojo (at most
        ``DOJO_OWNER_BATCH`` per dojo) and writes it in one statement
        (``apply_works``); while it is written the next one gathers, so rounds
        grow with the load and no timer delays a quiet dojo. Events are
        published, then the senders answered: acknowledged means durable. The
        next round is applied and written while the previous one's events go
        out; its own go out after them, so a dojo's events leave in order.
        """
        # The previous round's publishing and answers: the next round is applied
        # and written meanwhile, but its events go out only after the previous ones.
        previous: asyncio.Task[None] | None = None
        while True:
            await wake.wait()
            wake.clear()
            batches: list[tuple[Lease, list[Pending]]] = []
            for key, lease in list(self.due.items()):
                del self.due[key]
                batch: list[Pending] = []
                while len(batch) < settings.DOJO_OWNER_BATCH and not lease.queue.empty():
                    batch.append(lease.queue.get_nowait())
                if not lease.queue.empty():
                    self.due[key] = lease
                    wake.set()
                if not batch:
                    continue
                if lease.lost or not lease.usable():
                    for pending in batch:
                        pending.answer({"reroute": True})
                    if not lease.lost:
                        self._step_down(lease)
                    continue
                batches.append((lease, batch))
            if not batches:
                continue
            works = await self._apply(batches)
            if previous is not None:
                try:
                    await previous
                except Exception:  # never stop the committer: the next rounds still run
                    logger.exception("dojo round's publishing failed")
                previous = None
            if works is not None:
                previous = asyncio.get_running_loop().create_task(self._finish(batches, works))

    async def _apply(self, batches: list[tuple[Lease, list[Pending]]]) -> list[Work] | None:
        """Write a round (``apply_works``); None when it failed (its senders are answered)."""
        works = [
            Work(
                lease.schema,
                lease.dojo_id,
                lease.epoch,
                lease.row,
                lease.version,
                [(p.actor, p.frame, p.language, p.request, p.resent) for p in batch],
            )
            for lease, batch in batches
        ]
        try:
            await apply_works(works, self.db)
        except Exception:
            logger.exception("dojo round failed")
            for lease, batch in batches:
                lease.row, lease.version = None, None
                for pending in batch:
                    pending.answer(_internal_error())
            return None
        for (lease, _batch), work in zip(batches, works, strict=True):
            # The next round starts from these copies.
            lease.row, lease.version = work.row, work.version
        return works

    async def _finish(self, batches: list[tuple[Lease, list[Pending]]], works: list[Work]) -> None:
        """Publish a written round's events, then answer its senders."""
        from .live import instance

        try:
            # Every dojo's events of the round in one round trip to Redis.
            await instance.publish_many(
                [(work.schema, work.dojo_id, work.events) for work in works if work.events]
            )
        except Exception:
            # Durable all the same: connections fill the gap from the log
            # when the next event reaches them, clients when they resume.
            logger.exception("dojo publish failed")
        for (lease, batch), work in zip(batches, works, strict=True):
            for index, pending in enumerate(batch):
                # Without an outcome: not applied here (fenced), for the next owner.
                outcome = work.outcomes[index] if index < len(work.outcomes) else None
                pending.answer(outcome if outcome is not None else {"reroute": True})
            if work.fenced:
                logger.warning("dojo fenced", extra={"dojo": str(lease.dojo_id)})
                if not lease.lost:
                    self._step_down(lease)

    async def _renew(self) -> None:
        """Renew every lease this instance holds; give up idle ones and lost ones.

        All the leases kept are renewed by one script call: one round trip
        however many dojos the instance owns.
        """
        from .live import instance

        redis = self._client()
        me = await self._channel()
        ttl = settings.DOJO_OWNER_LEASE_MS
        while self.leases:
            await asyncio.sleep(_seconds(ttl) / 3)
            kept: list[tuple[tuple[str, uuid.UUID], Lease]] = []
            started = time.monotonic()
            for key, lease in list(self.leases.items()):
                idle = started - lease.last_used > settings.DOJO_OWNER_IDLE_SECONDS
                # Kept while people are connected to the dojo here: their next
                # command finds it owned (``prepare``).
                if idle and lease.queue.empty() and key not in instance.consumers:
                    self._step_down(lease)
                    try:
                        await redis.eval(RELEASE, 1, self.lease_key(key[1]), me)
                    except Exception:
                        logger.exception("dojo lease release failed")
                    continue
                kept.append((key, lease))
            if not kept:
                continue
            started = time.monotonic()
            keys = [self.lease_key(key[1]) for key, _lease in kept]
            try:
                renewed = await redis.eval(RENEW, len(keys), *keys, me, ttl)
            except Exception:
                # Redis unreachable: each lease lapses here when its time is up.
                logger.exception("dojo lease renewal failed")
                continue
            for (key, lease), done in zip(kept, renewed, strict=True):
                if lease.lost:  # stepped down while the script ran
                    continue
                if int(done):
                    lease.valid_until = started + _seconds(ttl) * 0.8
                else:
                    logger.warning("dojo lease lost", extra={"dojo": str(key[1])})
                    self._step_down(lease)


owners = Owners()
