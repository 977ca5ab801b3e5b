"""The three statements of every dojo command, written once per model.

Each command of a live session is one transaction: lock the dojo's row, append
events, write the row back. Through the ORM, building those statements costs
more Python than everything else in the command, and that runs on worker
threads of the daphne process whose event loop delivers the frames (the GIL is
shared; bench/dojo, docs/benchmarks.md). Here the SQL text of each statement is
built once per model and field list; values go through the fields' own
``from_db_value``/``pre_save``/``get_db_prep_save``, as the ORM does, so
defaults, ``auto_now``, JSON and time zones behave the same. Tables are
unqualified: the connection's ``search_path`` selects the organization.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar, cast

import psycopg
from django.db import connection
from django.db.models import AutoField, BigAutoField, Field, Model, SmallAutoField

M = TypeVar("M", bound=Model)
Loader = Callable[[Any, Any, Any], Any] | None


def _quote(name: str | None) -> str:
    if name is None:
        raise TypeError("a column without a name")
    return str(connection.ops.quote_name(name))


def _pk_column(model: type[Model]) -> str:
    pk = model._meta.pk
    return _quote(pk.column if pk is not None else None)


@cache
def _lock_statement(
    model: type[Model], also: str | None = None
) -> tuple[str, list[str], list[Loader]]:
    meta = model._meta
    fields = list(meta.concrete_fields)
    columns = ", ".join(_quote(f.column) for f in fields)
    condition = ""
    if also:
        condition = f" AND {_quote(cast('Field[Any, Any]', meta.get_field(also)).column)} = %s"
    # Identifiers from the model's metadata, quoted; values are parameters.
    sql = (
        f"SELECT {columns} FROM {_quote(meta.db_table)} "  # noqa: S608
        f"WHERE {_pk_column(model)} = %s{condition} FOR UPDATE"
    )
    loaders: list[Loader] = [getattr(f, "from_db_value", None) for f in fields]
    return sql, [f.attname for f in fields], loaders


def lock(model: type[M], pk: Any) -> M | None:
    """``SELECT … FOR UPDATE`` of one row by primary key, as a model instance (or None)."""
    return _locked(model, _lock_statement(model), [pk])


def lock_owned(model: type[M], pk: Any, epoch: int) -> M | None:
    """``lock``, only if the row's ``owner_epoch`` is ``epoch`` (None otherwise: fenced)."""
    return _locked(model, _lock_statement(model, "owner_epoch"), [pk, epoch])


def _locked(
    model: type[M], statement: tuple[str, list[str], list[Loader]], params: list[Any]
) -> M | None:
    sql, attnames, loaders = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = [
        value if load is None else load(value, None, connection)
        for value, load in zip(row, loaders, strict=True)
    ]
    return model.from_db(connection.alias, attnames, values)


@cache
def _insert_statement(model: type[Model]) -> tuple[str, list[Field[Any, Any]], bool]:
    meta = model._meta
    auto = isinstance(meta.pk, AutoField | BigAutoField | SmallAutoField)
    fields = [f for f in meta.concrete_fields if not (auto and f.primary_key)]
    columns = ", ".join(_quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {_quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    if auto:
        sql += f" RETURNING {_pk_column(model)}"
    return sql, fields, auto


def insert(instance: Model) -> None:
    """``INSERT`` one new instance; an auto primary key is set from ``RETURNING``."""
    sql, fields, auto = _insert_statement(type(instance))
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if auto:
            instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias


@cache
def _update_statement(
    model: type[Model], names: tuple[str, ...]
) -> tuple[str, list[Field[Any, Any]]]:
    meta = model._meta
    fields = [cast("Field[Any, Any]", meta.get_field(name)) for name in names]
    assignments = ", ".join(f"{_quote(f.column)} = %s" for f in fields)
    sql = (
        f"UPDATE {_quote(meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {_pk_column(model)} = %s"
    )
    return sql, fields


def update(instance: Model, names: Sequence[str]) -> None:
    """``UPDATE`` the named fields of a stored instance (``auto_now`` fields are set)."""
    sql, fields = _update_statement(type(instance), tuple(dict.fromkeys(names)))
    params = [f.get_db_prep_save(f.pre_save(instance, False), connection) for f in fields]
    params.append(instance.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _insert_rows(instances: Sequence[Model]) -> tuple[str, list[Any]]:
    """One multi-row ``INSERT`` of new instances (no ``RETURNING``: their keys stay unset)."""
    model = type(instances[0])
    sql, fields, _auto = _insert_statement(model)
    head = sql.split(" VALUES ", 1)[0]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params: list[Any] = []
    for instance in instances:
        params.extend(f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields)
        instance._state.adding = False
        instance._state.db = connection.alias
    return f"{head} VALUES {', '.join([row] * len(instances))}", params


def insert_many(instances: Sequence[Model]) -> None:
    """``INSERT`` new instances of one model in one statement (their keys stay unset)."""
    if not instances:
        return
    sql, params = _insert_rows(instances)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def insert_many_and_update(
    instances: Sequence[Model], instance: Model, names: Sequence[str]
) -> None:
    """``insert_many`` and ``update`` as ONE statement (a data-modifying ``WITH``)."""
    if not instances:
        update(instance, names)
        return
    inserts, params = _insert_rows(instances)
    sql, fields = _update_statement(type(instance), tuple(dict.fromkeys(names)))
    params.extend(f.get_db_prep_save(f.pre_save(instance, False), connection) for f in fields)
    params.append(instance.pk)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH inserted AS ({inserts}) {sql}", params)


# ------------------------------------------------------------------ the owner's compare-and-set
#
# The owner of a dojo (``dojos.owner``) keeps the dojo's row between batches and
# writes a batch as ONE autocommitted statement, without a transaction of its
# own: the row's update is conditioned on the row being exactly the version the
# owner read (its ``xmin``, the transaction that wrote that version) and still
# carrying the owner's epoch; the events and snapshots are inserted only if that
# update happened. Several dojos, of several organizations, go in one statement:
# tables are qualified with their schema, so no ``search_path`` is involved.


def bound_cursor(raw: psycopg.AsyncConnection[Any]) -> psycopg.AsyncCursor[Any]:
    """A cursor on the owner's connection that sends values apart from the statement.

    Django's cursors bind on the client: each value is quoted into the SQL text
    in Python. The owner's rounds on the event loop (ADR 0055) send their
    values apart instead, dumped by psycopg's C adapters with the connection's
    adapters (Django's, for JSON and time zones): less Python per statement.
    """
    return psycopg.AsyncCursor(raw)


def qualified(schema: str, model: type[Model]) -> str:
    return f"{_quote(schema)}.{_quote(model._meta.db_table)}"


@cache
def _cast(field: Field[Any, Any]) -> str:
    kind = field.db_type(connection)
    if not kind:
        raise TypeError(f"{field} has no column type")
    return kind


@cache
def _assignments(model: type[Model], names: tuple[str, ...]) -> tuple[str, list[Field[Any, Any]]]:
    fields = [cast("Field[Any, Any]", model._meta.get_field(n)) for n in names]
    return ", ".join(f"{_quote(f.column)} = %s::{_cast(f)}" for f in fields), fields


@cache
def _typed_row(model: type[Model]) -> tuple[str, str, list[Field[Any, Any]]]:
    _sql, fields, _auto = _insert_statement(model)
    columns = ", ".join(_quote(f.column) for f in fields)
    return columns, "(" + ", ".join(f"%s::{_cast(f)}" for f in fields) + ")", fields


@cache
def _select_rows_statement(model: type[Model]) -> tuple[str, list[str], list[Loader]]:
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(_quote(f.column) for f in fields)
    loaders: list[Loader] = [getattr(f, "from_db_value", None) for f in fields]
    sql = f"SELECT xmin::text, {columns} FROM {{table}} WHERE {_pk_column(model)} = ANY(%s)"  # noqa: S608
    return sql, [f.attname for f in fields], loaders


def _versions_query(schema: str, model: type[Model], pks: Sequence[Any]) -> tuple[str, list[Any]]:
    template = _select_rows_statement(model)[0]
    return template.format(table=qualified(schema, model)), [list(pks)]


def _versions_from(model: type[M], rows: Sequence[Sequence[Any]]) -> dict[Any, tuple[M, str]]:
    _template, attnames, loaders = _select_rows_statement(model)
    found: dict[Any, tuple[M, str]] = {}
    for version, *row in rows:
        values = [
            value if load is None else load(value, None, connection)
            for value, load in zip(row, loaders, strict=True)
        ]
        instance = model.from_db(connection.alias, attnames, values)
        found[instance.pk] = (instance, str(version))
    return found


def read_versions(
    cursor: Any, schema: str, model: type[M], pks: Sequence[Any]
) -> dict[Any, tuple[M, str]]:
    """Rows by primary key, each with its version (``xmin``), read without a lock."""
    cursor.execute(*_versions_query(schema, model, pks))
    return _versions_from(model, cursor.fetchall())


async def read_versions_async(
    cursor: psycopg.AsyncCursor[Any], schema: str, model: type[M], pks: Sequence[Any]
) -> dict[Any, tuple[M, str]]:
    """``read_versions`` on the owner's connection, on the event loop."""
    await cursor.execute(*_versions_query(schema, model, pks))
    return _versions_from(model, await cursor.fetchall())


def _typed_rows(instances: Sequence[Model]) -> tuple[str, str, list[Any]]:
    """Column list, a typed ``VALUES`` list and its parameters for new instances of one model."""
    columns, row, fields = _typed_row(type(instances[0]))
    params: list[Any] = []
    for instance in instances:
        params.extend(f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields)
        instance._state.adding = False
        instance._state.db = connection.alias
    return columns, ", ".join([row] * len(instances)), params


class Write:
    """One dojo's part of the owner's statement."""

    __slots__ = ("epoch", "instance", "names", "rows", "schema", "version")

    def __init__(
        self,
        schema: str,
        instance: Model,
        version: str,
        epoch: int,
        names: Sequence[str],
        rows: Sequence[tuple[Sequence[Model], bool]],
    ) -> None:
        self.schema, self.instance, self.version, self.epoch = schema, instance, version, epoch
        self.names = tuple(dict.fromkeys(names))
        # New rows inserted with the update, one list per model, each with whether
        # a row that already exists is skipped (a snapshot) or is an error (an event).
        self.rows = [(list(group), skip) for group, skip in rows if group]


def _compare_and_write_query(writes: Sequence[Write]) -> tuple[str, list[Any]]:
    parts: list[str] = []
    results: list[str] = []
    params: list[Any] = []
    for position, write in enumerate(writes):
        model = type(write.instance)
        assignments, fields = _assignments(model, write.names)
        params.extend(
            f.get_db_prep_save(f.pre_save(write.instance, False), connection) for f in fields
        )
        params.extend([write.instance.pk, write.epoch, write.version])
        # Identifiers from the models' metadata and the owner's own schema names, quoted.
        parts.append(
            f"u{position} AS (UPDATE {qualified(write.schema, model)} SET {assignments} "  # noqa: S608
            f"WHERE {_pk_column(model)} = %s AND owner_epoch = %s AND xmin = %s::xid "
            f"RETURNING xmin::text AS version)"
        )
        for index, (group, skip) in enumerate(write.rows):
            columns, values, values_params = _typed_rows(group)
            params.extend(values_params)
            conflict = " ON CONFLICT DO NOTHING" if skip else ""
            parts.append(
                f"i{position}_{index} AS (INSERT INTO {qualified(write.schema, type(group[0]))} "  # noqa: S608
                f"({columns}) SELECT * FROM (VALUES {values}) AS v "
                f"WHERE EXISTS (SELECT 1 FROM u{position}){conflict})"
            )
        results.append(f"SELECT {position} AS position, version FROM u{position}")  # noqa: S608
    return f"WITH {', '.join(parts)} {' UNION ALL '.join(results)}", params


def compare_and_write(cursor: Any, writes: Sequence[Write]) -> dict[int, str]:
    """Apply every write whose row is still at its version and epoch, in ONE statement.

    Returns, by position in ``writes``, the new version of each row written;
    a write missing from it changed nothing (its row moved on, or its epoch is
    another owner's). Runs on ``cursor`` in autocommit: the statement is its
    own transaction, so every write in it is durable when this returns.
    """
    if not writes:
        return {}
    cursor.execute(*_compare_and_write_query(writes))
    return {int(position): str(version) for position, version in cursor.fetchall()}


async def compare_and_write_async(
    cursor: psycopg.AsyncCursor[Any], writes: Sequence[Write]
) -> dict[int, str]:
    """``compare_and_write`` on the owner's connection, on the event loop."""
    if not writes:
        return {}
    await cursor.execute(*_compare_and_write_query(writes))
    return {int(position): str(version) for position, version in await cursor.fetchall()}
