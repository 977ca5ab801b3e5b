"""Three ways to open the owner's batch, measured side by side (ADR 0042).

    cd services/dojo && ../../var/venv/bin/python ../../bench/dojo/batch_start.py [rounds] [busy]

A batch of the dojo's owner starts with psycopg's ``BEGIN``, django-tenants'
``SET search_path`` (when the worker thread last served another organization)
and the row's ``SELECT … FOR UPDATE``: three round trips to PostgreSQL. Timed
from the transaction's start until the row is in hand, against the running
dojo database, without restarting anything:

- ``one at a time``: each statement a round trip, as the owner's batch
  does (``statements.lock_owned``);
- ``pipeline mode``: the same statements in psycopg's pipeline mode, read
  after its sync (one round trip);
- ``SET with the select``: the ``SET`` and the select in one simple query
  (two round trips; django-tenants told the path is set).

The ways take turns round by round, so all see the same machine at the same
moments; each reads the row as a tuple (the model instance the owner builds
from it is left out). Each round locks a dojo of another organization than the previous
one (the search_path changes, as on a thread that serves many organizations)
and rolls back. Uses the dojos of bench/dojo's organizations (run.sh creates
them). With ``busy``, another thread runs Python code all along, as daphne's
event loop does while it delivers frames, with daphne's GIL switch interval
(config/asgi.py): a thread back from PostgreSQL then waits for the GIL, which
is what a round trip costs an owner under load.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, os.getcwd())

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django_tenants.utils import quote_schema_name  # noqa: E402

from dojos import statements  # noqa: E402
from dojos.models import Dojo  # noqa: E402

SQL = statements._lock_statement(Dojo)[0]


def dojos_of_two_organizations() -> list[tuple[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schema_name FROM information_schema.schemata "
            "WHERE schema_name LIKE 't\\_%%' ORDER BY schema_name"
        )
        schemas = [row[0] for row in cursor.fetchall()]
    found: list[tuple[str, Any]] = []
    for schema in schemas:
        connection.set_schema(schema)
        try:
            with transaction.atomic():
                ids = Dojo.objects.filter(title__startswith="Bench dojo")
                first = ids.values_list("id", flat=True).first()
        except Exception:  # a schema without the dojo tables
            first = None
        if first is not None:
            found.append((schema, first))
        if len(found) == 2:
            return found
    sys.exit("bench/dojo: no two organizations with benchmark dojos (run bench/dojo/run.sh once)")


def one_at_a_time(pk: Any) -> Any:
    with connection.cursor() as cursor:  # django-tenants sends its SET first
        cursor.execute(SQL, [pk])
        return cursor.fetchone()


def pipelined(pk: Any) -> Any:
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        cursor = connection.cursor()
        cursor.execute(SQL, [pk])
    with cursor:
        return cursor.fetchone()


def set_with_select(pk: Any) -> Any:
    connection.ensure_connection()
    paths = connection._get_cursor_search_paths()  # type: ignore[attr-defined]
    query = SQL
    if not connection.search_path_set_schemas:  # type: ignore[attr-defined]
        # django-tenants sends no SET of its own once it believes the path set.
        connection.search_path_set_schemas = paths  # type: ignore[attr-defined]
        query = f"SET search_path = {', '.join(quote_schema_name(p) for p in paths)}; {SQL}"
    with connection.cursor() as cursor:
        cursor.execute(query, [pk])
        if query is not SQL:
            cursor.nextset()  # the select's result is the second
        return cursor.fetchone()


WAYS: list[tuple[str, Callable[[Any], Any]]] = [
    ("one at a time", one_at_a_time),
    ("pipeline mode", pipelined),
    ("SET with the select", set_with_select),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def spin(stop: threading.Event) -> None:
    while not stop.is_set():
        sum(range(1000))


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    busy = "busy" in sys.argv[2:]
    stop = threading.Event()
    if busy:
        sys.setswitchinterval(0.0005)
        threading.Thread(target=spin, args=(stop,), daemon=True).start()
    targets = dojos_of_two_organizations()
    times: dict[str, list[float]] = {name: [] for name, _ in WAYS}
    for i in range(rounds):
        schema, pk = targets[i % 2]
        name, way = WAYS[(i // 2) % len(WAYS)]
        connection.set_schema(schema)
        with transaction.atomic():
            started = time.perf_counter()
            row = way(pk)
            times[name].append((time.perf_counter() - started) * 1000)
            if row is None:
                sys.exit(f"bench/dojo: {name} found no row")
            transaction.set_rollback(True)
    stop.set()
    print(f"{rounds} rounds, {'a busy thread beside them' if busy else 'nothing else running'}")
    base = statistics.median(times[WAYS[0][0]])
    for name, values in times.items():
        print(
            f"{name:20}: p50 {statistics.median(values):.3f} ms, "
            f"p95 {percentile(values, 0.95):.3f} ms, p99 {percentile(values, 0.99):.3f} ms, "
            f"median / one at a time {statistics.median(values) / base:.2f} (n = {len(values)})"
        )


if __name__ == "__main__":
    main()
