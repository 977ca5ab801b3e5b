"""The workers of each service consume exactly the queues pocdex_shared.queues declares.

A queue a task is routed to but no worker consumes would hold its jobs forever;
a queue a worker consumes but the declaration lacks would not exist on SQS.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from pocdex_shared.queues import SERVICE_QUEUES, queues_of

ROOT = Path(__file__).resolve().parents[2]


def consumed_queues(procfile: Path) -> list[str]:
    """Every queue named by a ``celery worker`` line's ``--queues``/``-Q`` (repeats kept)."""
    names: list[str] = []
    for line in procfile.read_text().splitlines():
        if ":" not in line or line.lstrip().startswith("#"):
            continue
        argv = shlex.split(line.split(":", 1)[1])
        if "celery" not in argv[:1] or "worker" not in argv:
            continue
        for i, arg in enumerate(argv):
            if arg in ("--queues", "-Q"):
                names += argv[i + 1].split(",")
            elif arg.startswith("--queues="):
                names += arg.split("=", 1)[1].split(",")
    return names


def services() -> list[str]:
    return sorted(path.parent.name for path in ROOT.glob("services/*/Procfile"))


def test_every_service_with_a_procfile_declares_its_queues() -> None:
    assert set(services()) == set(SERVICE_QUEUES)


@pytest.mark.parametrize("service", services())
def test_the_workers_consume_each_declared_queue_exactly_once(service: str) -> None:
    consumed = consumed_queues(ROOT / "services" / service / "Procfile")
    assert sorted(consumed) == sorted(queues_of(service))


def test_the_parser_sees_a_missing_or_doubled_queue(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        "web: gunicorn config.wsgi:application\n"
        "worker: celery -A config worker --queues media.events,media.default --beat\n"
        "videos: celery -A config worker -Q media.videos,media.default\n"
    )
    consumed = consumed_queues(procfile)
    assert consumed == ["media.events", "media.default", "media.videos", "media.default"]
    assert sorted(consumed) != sorted(queues_of("media"))


def test_no_other_file_spells_a_slow_work_queue_name() -> None:
    """Routing code names queues through pocdex_shared.queues, never as literals."""
    pattern = re.compile(r"""["'](pocs\.search|media\.reports|media\.videos)["']""")
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.glob("services/*/**/*.py")
        if "tests" not in path.parts
        and "migrations" not in path.parts
        and pattern.search(path.read_text())
    ]
    assert offenders == []
