"""What the engines render: POCs and dojos as pocs and dojo describe them, and their figures.

The figures are computed once here, so the video, the PDF and the CSV of one
job can never disagree with each other.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return dt.date.fromisoformat(text[:10])


@dataclass(frozen=True)
class Person:
    id: str
    name: str


@dataclass(frozen=True)
class Poc:
    id: str
    name: str
    summary: str = ""
    status: str = ""
    outcome: str = ""
    learnings: str = ""
    languages: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    author: Person | None = None
    contributors: tuple[Person, ...] = ()
    started_on: dt.date | None = None
    finished_on: dt.date | None = None
    created_on: dt.date | None = None

    @property
    def day(self) -> dt.date | None:
        """The date a POC counts for: when it started, else when it was registered."""
        return self.started_on or self.created_on

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> Poc:
        author = item.get("author") or None

        def people(values: Iterable[Mapping[str, Any]] | None) -> tuple[Person, ...]:
            return tuple(
                Person(id=str(p.get("id", "")), name=str(p.get("name") or "")) for p in values or ()
            )

        def names(values: Iterable[Any] | None) -> tuple[str, ...]:
            # Vocabulary entries come as {"slug", "name"} (languages), {"slug", "label"}
            # (tags) or plain strings.
            out = []
            for value in values or ():
                name = (
                    value.get("name") or value.get("label") or value.get("slug")
                    if isinstance(value, Mapping)
                    else value
                )
                if name:
                    out.append(str(name))
            return tuple(out)

        return cls(
            id=str(item["id"]),
            name=str(item.get("name") or ""),
            summary=str(item.get("summary") or ""),
            status=str(item.get("status") or ""),
            outcome=str(item.get("outcome") or ""),
            learnings=str(item.get("learnings") or ""),
            languages=names(item.get("languages")),
            frameworks=names(item.get("frameworks")),
            tags=names(item.get("tags")),
            author=(
                Person(id=str(author.get("id", "")), name=str(author.get("name") or ""))
                if isinstance(author, Mapping)
                else None
            ),
            contributors=people(item.get("contributors")),
            started_on=_date(item.get("started_on")),
            finished_on=_date(item.get("finished_on")),
            created_on=_date(item.get("created_at")),
        )


@dataclass(frozen=True)
class DojoParticipant:
    user_id: str
    name: str
    seconds_as_pilot: int
    rotations: int


@dataclass(frozen=True)
class Dojo:
    id: str
    title: str
    language: str
    status: str
    started_on: dt.date | None
    seconds: int
    participants: tuple[DojoParticipant, ...]

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> Dojo:
        started = item.get("started_at")
        ended = item.get("ended_at")
        seconds = 0
        if started and ended:
            try:
                a = dt.datetime.fromisoformat(str(started).replace("Z", "+00:00"))
                b = dt.datetime.fromisoformat(str(ended).replace("Z", "+00:00"))
                seconds = max(0, int((b - a).total_seconds()))
            except ValueError:
                seconds = 0
        return cls(
            id=str(item["id"]),
            title=str(item.get("title") or ""),
            language=str(item.get("language") or ""),
            status=str(item.get("status") or ""),
            started_on=_date(started),
            seconds=seconds,
            participants=tuple(
                DojoParticipant(
                    user_id=str(p.get("user_id", "")),
                    name=str(p.get("name") or ""),
                    seconds_as_pilot=int(p.get("seconds_as_piloto") or 0),
                    rotations=int(p.get("rotations") or 0),
                )
                for p in item.get("participants") or ()
            ),
        )


@dataclass(frozen=True)
class Figures:
    """Counts shown by every output, in a stable order (most first, then by name)."""

    total: int
    by_status: list[tuple[str, int]]
    by_outcome: list[tuple[str, int]]
    by_language: list[tuple[str, int]]
    by_tag: list[tuple[str, int]]
    by_month: list[tuple[tuple[int, int], int]]  # ((year, month), count) for every month asked
    languages_count: int
    people_count: int
    dojo_count: int | None  # None: dojo data unavailable
    dojo_hours: float | None
    dojo_people: list[tuple[str, int, int]] = field(default_factory=list)  # name, dojos, seconds


def _ranked(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0].casefold()))


def months_between(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """Every (year, month) from ``start``'s month to ``end``'s, inclusive."""
    out = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def figures(
    pocs: Sequence[Poc], dojos: Sequence[Dojo] | None, *, months: Sequence[tuple[int, int]]
) -> Figures:
    status: Counter[str] = Counter(p.status or "unknown" for p in pocs)
    outcome: Counter[str] = Counter(p.outcome for p in pocs if p.outcome)
    languages: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    people: set[str] = set()
    per_month: Counter[tuple[int, int]] = Counter()
    for poc in pocs:
        # A POC counts once per language it declares, however it spells duplicates.
        languages.update({lang.strip(): 1 for lang in poc.languages if lang.strip()}.keys())
        tags.update({tag.strip(): 1 for tag in poc.tags if tag.strip()}.keys())
        if poc.author:
            people.add(poc.author.id)
        people.update(c.id for c in poc.contributors)
        if poc.day:
            per_month[(poc.day.year, poc.day.month)] += 1
    dojo_people: Counter[str] = Counter()
    dojo_seconds: Counter[str] = Counter()
    if dojos is not None:
        for dojo in dojos:
            for participant in dojo.participants:
                dojo_people[participant.name] += 1
                dojo_seconds[participant.name] += participant.seconds_as_pilot
    return Figures(
        total=len(pocs),
        by_status=_ranked(status),
        by_outcome=_ranked(outcome),
        by_language=_ranked(languages),
        by_tag=_ranked(tags),
        by_month=[(month, per_month[month]) for month in months],
        languages_count=len(languages),
        people_count=len(people),
        dojo_count=None if dojos is None else len(dojos),
        dojo_hours=None if dojos is None else round(sum(d.seconds for d in dojos) / 3600, 1),
        dojo_people=[(name, count, dojo_seconds[name]) for name, count in _ranked(dojo_people)],
    )
