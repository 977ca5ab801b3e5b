"""Seed the demo organization (slug ``demo``) with sample POCs, once.

The authors are the demo people accounts seeds; their ids and names come from
accounts' public API (log in with the demo password, read ``/me``), since
people live in accounts only. Nothing happens when the demo replica does not
exist here yet or already has POCs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.core.management.base import BaseCommand

from pocdex_shared.callers import Caller
from pocdex_shared.tenancy.scope import Require, TenantUnavailable, tenant_scope
from registry.demo_data import DEMO_POCS
from registry.models import Poc
from registry.services import poc_create

DEMO_SLUG = "demo"
DEMO_PASSWORD = "pocdex-demo-2026"  # noqa: S105 - local demo data, printed by accounts' setup
DEMO_PEOPLE = ("owner@demo.pocdex.local", "admin@demo.pocdex.local", "member@demo.pocdex.local")
FIRST_DAY = date(2025, 1, 6)


def demo_people(accounts_url: str) -> list[tuple[uuid.UUID, str, str]]:
    """(id, name, role) of each demo person, through accounts' public API."""
    people = []
    for email in DEMO_PEOPLE:
        login = requests.post(
            f"{accounts_url}/api/v1/auth/token",
            json={"organization": DEMO_SLUG, "email": email, "password": DEMO_PASSWORD},
            timeout=10,
        )
        login.raise_for_status()
        me = requests.get(
            f"{accounts_url}/api/v1/me",
            headers={"Authorization": f"Bearer {login.json()['access']}"},
            timeout=10,
        )
        me.raise_for_status()
        body: dict[str, Any] = me.json()
        people.append((uuid.UUID(body["id"]), str(body.get("name", "")), str(body.get("role", ""))))
    return people


class Command(BaseCommand):
    help = "Seed the demo organization with about 60 sample POCs (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        # Seeding is part of the demo organization's lifecycle: any status (ADR 0025).
        try:
            with tenant_scope(slug=DEMO_SLUG, require=Require.ANY):
                if Poc.objects.exists():
                    self.stdout.write(f"Demo POCs: {Poc.objects.count()} in the demo organization.")
                    return
        except TenantUnavailable:
            self.stdout.write("Demo POCs: the demo organization is not provisioned here yet.")
            return
        try:
            people = demo_people(settings.ACCOUNTS_URL.rstrip("/"))
        except (requests.RequestException, KeyError, ValueError) as exc:
            self.stderr.write(f"demo people not readable from accounts: {exc}")
            self.stdout.write("Demo POCs: not seeded (accounts unreachable); next start retries.")
            return
        with tenant_scope(slug=DEMO_SLUG, require=Require.ANY) as tenant:
            actors = [
                Caller.acting_for(
                    person_id=pid, tenant_id=tenant.id, role=role, name=name, tenant=tenant
                )
                for pid, name, role in people
            ]
            for index, row in enumerate(DEMO_POCS):
                self._create(index, row, actors)
            count = Poc.objects.count()
        self.stdout.write(f"Demo POCs: seeded {count} in the demo organization.")

    @staticmethod
    def _create(index: int, row: tuple[Any, ...], actors: list[Caller]) -> None:
        name, summary, status, outcome, languages, tags, private = row
        author = actors[index % len(actors)]
        others = [a.id for a in actors if a.id != author.id]
        started = FIRST_DAY + timedelta(days=index * 11)
        finished = (
            started + timedelta(days=5 + index % 20) if status in {"done", "abandoned"} else None
        )
        portuguese = any(c in name + summary for c in "ãçéêíóõú") or " de " in f" {name} "
        if portuguese:
            hypothesis = f"Acreditamos que {summary[0].lower()}{summary[1:]} resolve o problema."
            learnings = (
                "Documentamos o que funcionou e o que não funcionou no README do repositório."
            )
            description = f"## Contexto\n{summary}.\n\n## Como testar\n1. Clone o repositório\n2. Rode `make run`"
        else:
            hypothesis = f"We believe {summary[0].lower()}{summary[1:]} is worth it."
            learnings = "What worked and what did not is written up in the repository README."
            description = f"## Context\n{summary}.\n\n## How to try it\n1. Clone the repository\n2. Run `make run`"
        slug = name.lower().replace(" ", "-")[:40]
        poc = poc_create(
            actor=author,
            name=name,
            summary=summary,
            description=description,
            status=status,
            hypothesis=hypothesis,
            outcome=outcome,
            learnings=learnings if status in {"done", "abandoned"} else "",
            languages=languages,
            tags=tags,
            repository_url=f"https://github.com/pocdex-demo/{slug}" if index % 3 else "",
            links=[{"title": "Notes", "url": f"https://wiki.example.com/pocs/{index}"}]
            if index % 4 == 0
            else [],
            started_on=started if status != "idea" else None,
            finished_on=finished,
            visibility="private" if private else "team",
            contributors=others[:1] if index % 5 == 0 and not private else [],
        )
        created = datetime.combine(started, datetime.min.time(), tzinfo=UTC) - timedelta(days=2)
        Poc.objects.filter(id=poc.id).update(
            created_at=created,
            updated_at=created + timedelta(days=(finished - started).days if finished else 1),
        )
