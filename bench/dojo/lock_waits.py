"""Where the dojo database's sessions spend their time, sampled from pg_stat_activity.

Started by the load generator for the edit steps (``-lock-sampler``) and
stopped with SIGINT (or after ``--seconds``); it then prints a Markdown
summary: per sample, how many sessions of the dojo database were active, and
what they waited on (``Lock:tuple``, ``Lock:transactionid``, ``Client:ClientRead``
inside a transaction, IO, or nothing: on CPU), with the statements seen waiting
on a lock. One query per sample on its own connection (20 a second by default),
which costs PostgreSQL little next to the load it watches.

    python bench/dojo/lock_waits.py [--database-url URL] [--interval 0.05] [--seconds 600]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections import Counter
from typing import Any

import psycopg

QUERY = """
SELECT state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 90)
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
  AND state <> 'idle'
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL_DOJO", ""))
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--seconds", type=float, default=600)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres://127.0.0.1:") and "@127.0.0.1:" not in (
        args.database_url
    ):
        print("lock_waits: the dojo database must be on 127.0.0.1", file=sys.stderr)
        return 2

    stop = False

    def stopping(*_: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, stopping)
    signal.signal(signal.SIGTERM, stopping)

    waits: Counter[str] = Counter()
    lock_statements: Counter[str] = Counter()
    samples = active = lock_waiting = samples_with_lock_waits = 0
    most_waiting = 0
    started = time.monotonic()
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        while not stop and time.monotonic() - started < args.seconds:
            tick = time.monotonic()
            rows = conn.execute(QUERY).fetchall()
            samples += 1
            active += len(rows)
            waiting_now = 0
            for state, kind, event, query in rows:
                if kind is None:
                    label = "on CPU (no wait)"
                elif kind == "Client" and state == "idle in transaction":
                    label = f"{kind}:{event} (idle in transaction)"
                else:
                    label = f"{kind}:{event}"
                waits[label] += 1
                if kind == "Lock":
                    waiting_now += 1
                    lock_statements[query] += 1
            lock_waiting += waiting_now
            most_waiting = max(most_waiting, waiting_now)
            samples_with_lock_waits += waiting_now > 0
            time.sleep(max(0.0, args.interval - (time.monotonic() - tick)))

    seconds = time.monotonic() - started
    print("### Lock waits (pg_stat_activity, dojo database)\n")
    print(
        f"{samples} samples over {seconds:.0f} s (every {args.interval * 1000:.0f} ms): "
        f"{active / max(samples, 1):.2f} sessions active on average; "
        f"waiting on a lock: {lock_waiting / max(samples, 1):.2f} on average, "
        f"{most_waiting} at most, in {100 * samples_with_lock_waits / max(samples, 1):.1f}% "
        "of the samples\n"
    )
    if waits:
        print("| what the active sessions were doing | share of session samples |")
        print("| --- | --- |")
        for label, count in waits.most_common():
            print(f"| {label} | {100 * count / active:.1f}% |")
        print()
    if lock_statements:
        print("Statements seen waiting on a lock:\n")
        for query, count in lock_statements.most_common(5):
            print(f"- {count} x `{query}`")
        print()
    else:
        print("No session was seen waiting on a lock.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
