"""Deterministic sample data (benchmark, tests, local previews): POCs and dojos of one year."""

from __future__ import annotations

import datetime as dt
import random
import uuid

from .data import Dojo, DojoParticipant, Person, Poc

_WORDS = (
    "Migração", "gRPC", "cache", "edge", "Kotlin", "filas", "pagamentos", "busca",
    "vetores", "observabilidade", "WebSocket", "streaming", "análise", "recomendação",
    "Rust", "autenticação", "offline-first", "sincronização", "relatórios", "ação",
)  # fmt: skip
_LANGUAGES = ("Python", "Kotlin", "Swift", "TypeScript", "Go", "Rust", "Java", "Elixir")
_TAGS = ("backend", "mobile", "infra", "dados", "ml", "segurança", "ux", "performance", "api")
_STATUSES = ("done", "done", "in_progress", "idea", "abandoned")
_OUTCOMES = ("validated", "invalidated", "inconclusive", "")
_PEOPLE = (
    Person("00000000-0000-4000-8000-000000000001", "Ana Beatriz Conceição"),
    Person("00000000-0000-4000-8000-000000000002", "João Gonçalves"),
    Person("00000000-0000-4000-8000-000000000003", "Maria Antônia de Souza Albuquerque"),
    Person("00000000-0000-4000-8000-000000000004", "Zé"),
)


def sample_pocs(count: int, *, year: int, seed: int = 7) -> list[Poc]:
    rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
    pocs = []
    for i in range(count):
        words = rng.sample(_WORDS, rng.randint(2, 7))
        day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        author = _PEOPLE[i % len(_PEOPLE)]
        pocs.append(
            Poc(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                name=" ".join(words).capitalize(),
                summary=f"Prova de conceito {i + 1}: " + " ".join(rng.sample(_WORDS, 6)),
                status=rng.choice(_STATUSES),
                outcome=rng.choice(_OUTCOMES),
                learnings=" ".join(rng.sample(_WORDS, rng.randint(0, 12))),
                languages=tuple(rng.sample(_LANGUAGES, rng.randint(1, 3))),
                tags=tuple(rng.sample(_TAGS, rng.randint(0, 4))),
                author=author,
                contributors=tuple(p for p in _PEOPLE if p != author and rng.random() < 0.3),
                started_on=day,
                finished_on=day + dt.timedelta(days=rng.randint(1, 60)),
                created_on=day,
            )
        )
    return pocs


def sample_dojos(count: int, *, year: int, seed: int = 11) -> list[Dojo]:
    rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
    return [
        Dojo(
            id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            title=f"Dojo {i + 1}",
            language=rng.choice(_LANGUAGES),
            status="ended",
            started_on=dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365)),
            seconds=rng.randint(1800, 7200),
            participants=tuple(
                DojoParticipant(p.id, p.name, rng.randint(300, 1800), rng.randint(1, 6))
                for p in rng.sample(_PEOPLE, rng.randint(2, 4))
            ),
        )
        for i in range(count)
    ]
