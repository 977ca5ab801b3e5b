"""POC search: bulk indexing, search and suggest latency through the gateway, ILIKE baseline.

One run, on the running platform (``make run``):

1. builds 100,000 POCs (Portuguese and English, from word lists) spread unevenly
   over 1,000 bench organizations (slugs ``bench-<n>``, ids derived from ``n``);
2. bulk-loads them into the platform's index (alias ``pocs``, routed by tenant)
   with the pocs service's own document builder (``search.documents.to_source``)
   and reports the rate, final refresh included;
3. loads the same rows into ``public.bench_pocs_baseline`` (pocs database, btree
   on tenant_id) for the naive ``ILIKE`` baseline: the caller's organization and
   visibility, every word of the query in name, summary, description, learnings
   or tags, newest first (``baseline_query``);
4. for the organizations that send requests (100 of the 1,000), writes active
   tenant replicas, each with a schema cloned from the template (search never
   reads it, but a replica without a schema breaks ``migrate_platform``), and
   mints access tokens the way accounts does (its current signing key, same claims);
5. measures, at a steady concurrency, ``GET /api/v1/search/pocs`` and
   ``GET /api/v1/search/suggest`` through the gateway, the ILIKE query over the
   same (query, organization) pairs, and, to show where the time goes, the
   gateway's plain health view, the search selector called in process, and
   the three main measurements one request at a time; prints search vs ILIKE
   at p95 and its ceiling (the baseline over the plain view: no endpoint
   behind the gateway answers faster than that view);
6. removes the tenant replicas and their schemas (unless ``--keep-tenants``).

Documents and the baseline table stay; the next run overwrites them (ids are
deterministic). Any ``make run`` that runs the pocs ``bin/setup`` rebuilds the
index from PostgreSQL and so drops the bench documents: the run checks that
they were all still there at the end. ``--cleanup`` removes everything.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import psycopg
import requests
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
POCS_PROJECT = ROOT / "services" / "pocs"
GATEWAY = os.environ.get("GATEWAY_URL", "http://localhost:8000")
POCS_DB = os.environ.get("DATABASE_URL_POCS", "postgres://pocdex:pocdex@127.0.0.1:54329/pocs")
ACCOUNTS_DB = os.environ.get(
    "DATABASE_URL_ACCOUNTS", "postgres://pocdex:pocdex@127.0.0.1:54329/accounts"
)
BASELINE_TABLE = "bench_pocs_baseline"
# Fixed namespace: tenant, member and POC ids are the same on every run (reruns overwrite).
NAMESPACE = uuid.UUID("5f3b1f8e-3c61-4d0e-9b4a-6f2c0a1d2e77")
RUN_BUDGET_SECONDS = 560  # run.sh kills at 600 s

# ----------------------------------------------------------------------------- word lists

# The curated vocabulary's slugs (checked against the pocs catalog at start).
TECHNOLOGIES = [
    "python", "django", "fastapi", "javascript", "typescript", "react", "react-native",
    "vue", "angular", "nodejs", "nextjs", "go", "rust", "java", "spring-boot", "kotlin",
    "swift", "flutter", "dart", "csharp", "dotnet", "php", "laravel", "ruby", "rails",
    "elixir", "postgresql", "mysql", "mongodb", "redis", "kafka", "rabbitmq",
    "elasticsearch", "opensearch", "kubernetes", "docker", "terraform", "aws", "gcp",
    "azure", "graphql", "grpc", "pytorch", "tensorflow", "pandas", "scikit-learn",
    "langchain", "openai-api", "webassembly", "raspberry-pi", "arduino", "unity",
    "svelte", "tailwind", "celery", "firebase", "supabase",
]  # fmt: skip

# (Portuguese, English) subject of a POC.
DOMAINS = [
    ("autenticação biométrica", "biometric authentication"),
    ("pagamentos instantâneos", "instant payments"),
    ("notificações push", "push notifications"),
    ("reconhecimento de voz", "speech recognition"),
    ("busca semântica", "semantic search"),
    ("detecção de fraude", "fraud detection"),
    ("previsão de demanda", "demand forecasting"),
    ("gestão de estoque", "inventory management"),
    ("integração contínua", "continuous integration"),
    ("rastreamento distribuído", "distributed tracing"),
    ("cache de sessões", "session caching"),
    ("migração de dados", "data migration"),
    ("geolocalização de entregas", "delivery tracking"),
    ("assinatura digital", "digital signatures"),
    ("conciliação bancária", "bank reconciliation"),
    ("análise de sentimentos", "sentiment analysis"),
    ("filas de mensagens", "message queues"),
    ("sincronização offline", "offline synchronization"),
    ("recomendação de produtos", "product recommendations"),
    ("controle de acesso", "access control"),
    ("emissão de notas fiscais", "invoice generation"),
    ("agendamento de consultas", "appointment scheduling"),
    ("monitoramento de sensores", "sensor monitoring"),
    ("tradução automática", "machine translation"),
    ("compressão de imagens", "image compression"),
    ("leitura de códigos QR", "QR code scanning"),
    ("atendimento por chatbot", "support chatbot"),
    ("painel de métricas", "metrics dashboard"),
    ("exportação de relatórios", "report export"),
    ("validação de documentos", "document validation"),
    ("cobrança recorrente", "recurring billing"),
    ("feature flags", "feature flags"),
    ("testes de contrato", "contract testing"),
    ("roteirização de frotas", "fleet routing"),
]
AUDIENCES = [
    ("o aplicativo mobile", "the mobile app"),
    ("o time de suporte", "the support team"),
    ("clientes corporativos", "enterprise customers"),
    ("o backoffice", "the back office"),
    ("parceiros logísticos", "logistics partners"),
    ("a área financeira", "the finance team"),
    ("o portal do cliente", "the customer portal"),
]
GOALS = [
    ("latência", "latency"),
    ("custo de infraestrutura", "infrastructure cost"),
    ("segurança", "security"),
    ("experiência do usuário", "user experience"),
    ("escalabilidade", "scalability"),
    ("tempo de entrega", "lead time"),
    ("confiabilidade", "reliability"),
    ("acessibilidade", "accessibility"),
]
PROBLEMS = [
    ("lentidão no cadastro", "slow sign-up"),
    ("falhas intermitentes na sincronização", "intermittent sync failures"),
    ("erros de conciliação", "reconciliation errors"),
    ("alertas duplicados", "duplicate alerts"),
    ("consultas lentas no relatório mensal", "slow monthly report queries"),
    ("retrabalho manual da operação", "manual rework by operations"),
]
SERVICES = [
    ("cadastro", "registration"),
    ("faturamento", "billing"),
    ("catálogo", "catalog"),
    ("entregas", "deliveries"),
    ("notificações", "notifications"),
    ("autorização", "authorization"),
]
VERBS = [
    ("Validar", "Validate"),
    ("Testar", "Test"),
    ("Explorar", "Explore"),
    ("Medir", "Measure"),
    ("Comparar", "Compare"),
    ("Prototipar", "Prototype"),
]
TAG_LABELS = [
    "Autenticação", "Pagamentos", "Mobile", "Backend", "Frontend", "Dados",
    "Machine Learning", "Segurança", "Infraestrutura", "Observabilidade", "Performance",
    "DevOps", "Cloud", "IoT", "UX", "API", "Mensageria", "Busca", "Testes",
    "Acessibilidade", "Offline first", "Serverless", "Open source", "Realtime", "LGPD",
    "Integração", "Relatórios", "Logística",
]  # fmt: skip
FIRST_NAMES = [
    "Ana", "Bruno", "Carla", "Diego", "Elisa", "Felipe", "Gabriela", "Henrique", "Isabela",
    "João", "Larissa", "Marcos", "Natália", "Otávio", "Paula", "Rafael", "Sofia", "Thiago",
    "Alice", "Ben", "Chloe", "David", "Emma", "Frank", "Grace", "Liam", "Mia", "Noah",
]  # fmt: skip
LAST_NAMES = [
    "Silva", "Souza", "Oliveira", "Santos", "Pereira", "Lima", "Carvalho", "Ferreira",
    "Almeida", "Ribeiro", "Costa", "Gomes", "Martins", "Rocha", "Smith", "Johnson",
    "Brown", "Taylor", "Walker", "Clark",
]  # fmt: skip

# What people type: full words, 3 to 5 letter prefixes, typos, Portuguese without accents.
QUERIES = {
    "full word": [
        "autenticação", "pagamentos", "kafka", "fraud detection", "notificações", "redis",
        "kubernetes", "sentiment", "estoque", "semantic search", "chatbot", "rastreamento",
        "react native", "invoice", "biométrica", "conciliação", "forecasting", "flutter",
    ],
    "prefix": [
        "aut", "pagam", "kaf", "notif", "kube", "senti", "estoq", "sema", "chat", "rast",
        "reac", "invo", "biom", "geol", "conc", "forec", "flut", "tradu",
    ],
    "typo": [
        "autenticaçao biometrca", "pagamnetos", "kafak", "notificaões", "kubernets",
        "sentimnet", "estque", "semantc search", "chatbto", "rastreamneto", "recomendaçao",
        "invocie", "conciliaçâo bancaira", "forecastng", "fluter", "tradçao",
    ],
    "accentless": [
        "autenticacao", "notificacoes", "integracao continua", "conciliacao bancaria",
        "previsao de demanda", "geolocalizacao", "traducao automatica", "emissao de notas",
        "migracao de dados", "validacao", "analise de sentimentos", "sincronizacao",
    ],
}  # fmt: skip


# ----------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Tag:
    slug: str
    label: str


class _Tags:
    """What ``to_source`` reads of ``poc.tags``: ``.all()``."""

    def __init__(self, tags: list[Tag]) -> None:
        self._tags = tags

    def all(self) -> list[Tag]:
        return self._tags


@dataclass
class BenchPoc:
    """The attributes of ``registry.models.Poc`` that ``search.documents.to_source`` reads."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    summary: str
    description: str
    hypothesis: str
    learnings: str
    languages: list[str]
    tags: _Tags
    status: str
    outcome: str
    visibility: str
    author_id: uuid.UUID
    author_name: str
    started_on: date | None
    finished_on: date | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


@dataclass
class Org:
    number: int
    id: uuid.UUID
    size: int
    members: list[tuple[uuid.UUID, str]] = field(default_factory=list)


def tenant_uuid(n: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"tenant:{n}")


def bench_tenant_ids(count: int) -> list[uuid.UUID]:
    return [tenant_uuid(n) for n in range(1, count + 1)]


def org_sizes(rng: random.Random, orgs: int, pocs: int) -> list[int]:
    """Uneven sizes (log-normal, at least 5) summing exactly to ``pocs``."""
    floor = min(5, pocs // orgs)
    weights = [rng.lognormvariate(0, 1.0) for _ in range(orgs)]
    spread = pocs - floor * orgs
    raw = [w / sum(weights) * spread for w in weights]
    sizes = [floor + int(r) for r in raw]
    by_fraction = sorted(range(orgs), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in by_fraction[: pocs - sum(sizes)]:
        sizes[i] += 1
    return sizes


def build_orgs(rng: random.Random, orgs: int, pocs: int) -> list[Org]:
    out = []
    for n, size in enumerate(org_sizes(rng, orgs, pocs), start=1):
        org = Org(number=n, id=tenant_uuid(n), size=size)
        for k in range(max(2, min(30, size // 8))):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            org.members.append((uuid.uuid5(NAMESPACE, f"member:{n}:{k}"), name))
        out.append(org)
    return out


class Writer:
    """Names, summaries and Markdown descriptions in Portuguese (55%) or English."""

    def __init__(self, rng: random.Random, tech_names: dict[str, str], tags: list[Tag]) -> None:
        self.rng = rng
        self.tech_names = tech_names
        self.tags = tags
        self.now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
        self.portuguese = 0

    def poc(self, org: Org, i: int) -> BenchPoc:
        rng = self.rng
        pt = rng.random() < 0.55
        lang = 0 if pt else 1
        self.portuguese += pt
        domain = rng.choice(DOMAINS)[lang]
        techs = rng.sample(TECHNOLOGIES, 3)
        t1, t2 = self.tech_names[techs[0]], self.tech_names[techs[1]]
        audience = rng.choice(AUDIENCES)[lang]
        goal, goal2 = (g[lang] for g in rng.sample(GOALS, 2))
        problem = rng.choice(PROBLEMS)[lang]
        service = rng.choice(SERVICES)[lang]
        verb = rng.choice(VERBS)[lang]
        cap = domain[0].upper() + domain[1:]
        if pt:
            name = rng.choice(
                [
                    f"{cap} com {t1}",
                    f"{cap} em {t1}",
                    f"Protótipo de {domain} usando {t1}",
                    f"{cap}: {t1} e {t2}",
                    f"Prova de conceito: {domain} com {t1}",
                    f"Avaliação de {t1} para {domain}",
                ]
            )
            summary = f"{verb} {domain} para {audience} usando {t1}, com foco em {goal}."
            description = (
                f"## Contexto\n\nHoje {domain} sofre com {problem}. "
                f"O time quer saber se {t1} atende aos requisitos de {goal} e {goal2}.\n\n"
                f"## Abordagem\n\n- Integrar {t1} com o serviço de {service}\n"
                f"- Comparar com {t2} em um cenário real\n"
                f"- Medir {goal} antes e depois, com {rng.randint(10, 500)} usuários simultâneos\n"
            )
            hypothesis = f"Se usarmos {t1} para {domain}, {goal} melhora em {rng.randint(10, 60)}%."
            learnings = (
                f"{t1} exigiu menos código que o esperado; o gargalo ficou no serviço de {service}."
            )
        else:
            name = rng.choice(
                [
                    f"{cap} with {t1}",
                    f"{t1} for {domain}",
                    f"{cap} prototype on {t1}",
                    f"Evaluating {t1} and {t2} for {domain}",
                    f"{cap}: a {t1} spike",
                ]
            )
            summary = f"{verb} {domain} for {audience} using {t1}, focusing on {goal}."
            description = (
                f"## Context\n\nToday {domain} suffers from {problem}. "
                f"The team wants to know whether {t1} meets our {goal} and {goal2} needs.\n\n"
                f"## Approach\n\n- Integrate {t1} with the {service} service\n"
                f"- Compare it with {t2} on a real scenario\n"
                f"- Measure {goal} before and after, with {rng.randint(10, 500)} concurrent users\n"
            )
            hypothesis = f"If we use {t1} for {domain}, {goal} improves by {rng.randint(10, 60)}%."
            learnings = (
                f"{t1} needed less code than expected; the bottleneck was the {service} service."
            )
        status = rng.choices(["idea", "in_progress", "done", "abandoned"], [20, 35, 35, 10])[0]
        outcome = (
            rng.choice(["validated", "invalidated", "inconclusive"])
            if status in {"done", "abandoned"}
            else ""
        )
        created = self.now - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
        updated = min(self.now, created + timedelta(minutes=rng.randint(0, 200 * 24 * 60)))
        started = created.date() if status != "idea" else None
        finished = updated.date() if status in {"done", "abandoned"} else None
        author_id, author_name = rng.choice(org.members)
        return BenchPoc(
            id=uuid.uuid5(NAMESPACE, f"poc:{org.number}:{i}"),
            tenant_id=org.id,
            name=name,
            summary=summary,
            description=description,
            hypothesis=hypothesis,
            learnings=learnings if status in {"done", "abandoned"} else "",
            languages=sorted(set(techs[: rng.randint(1, 3)])),
            tags=_Tags(rng.sample(self.tags, rng.randint(1, 4))),
            status=status,
            outcome=outcome,
            visibility="private" if rng.random() < 0.1 else "team",
            author_id=author_id,
            author_name=author_name,
            started_on=started,
            finished_on=finished,
            created_at=created,
            updated_at=updated,
        )


# ----------------------------------------------------------------------------- Django (pocs)


def setup_django() -> None:
    sys.path.insert(0, str(POCS_PROJECT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    # The service logs every OpenSearch request at INFO: not the benchmark's output.
    logging.getLogger("opensearch").setLevel(logging.WARNING)
    logging.getLogger("pocdex_shared").setLevel(logging.WARNING)
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)


def ensure_tenants(orgs: Sequence[Org]) -> int:
    """Active replicas, each with a schema cloned from the template; returns how many were new.

    The schema is empty and search never reads it, but a replica without one
    makes ``migrate_platform`` (the pocs ``bin/setup``, run by ``make run``
    whenever services/pocs changes) fail, which takes the service down.
    """
    from pocdex_shared.tenancy.models import TenantStatus, schema_name_for
    from pocdex_shared.tenancy.provisioning import provision_schema
    from tenants.models import Tenant

    ids = [o.id for o in orgs]
    present = set(Tenant.objects.filter(id__in=ids).values_list("id", flat=True))
    missing = [
        Tenant(
            id=o.id,
            slug=f"bench-{o.number}",
            schema_name=schema_name_for(o.id),
            status=TenantStatus.ACTIVE,
            plan="free",
            limits={},
        )
        for o in orgs
        if o.id not in present
    ]
    # Schemas first: a replica is never visible without its schema.
    for tenant in missing:
        provision_schema(tenant)
    # bulk_create: no save(), so django-tenants never tries to create a schema itself.
    Tenant.objects.bulk_create(missing, batch_size=500)
    Tenant.objects.filter(id__in=ids).exclude(status=TenantStatus.ACTIVE).update(
        status=TenantStatus.ACTIVE
    )
    return len(missing)


def remove_tenants(ids: Sequence[uuid.UUID]) -> int:
    """Delete the replicas, then drop their schemas; returns how many replicas there were."""
    from django.db import connection

    from pocdex_shared.tenancy.models import schema_name_for
    from tenants.models import Domain, Tenant

    Domain.objects.filter(tenant_id__in=ids).delete()
    removed = Tenant.objects.filter(id__in=ids).count()
    Tenant.objects.filter(id__in=ids).delete()
    names = [schema_name_for(i) for i in ids]
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [names])
        for (schema,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return removed


def search_client() -> Any:
    """A client with a bulk-sized timeout (the service's own allows 3 s per request)."""
    from django.conf import settings
    from opensearchpy import OpenSearch

    return OpenSearch(hosts=[settings.OPENSEARCH_URL], timeout=120, max_retries=2)


# ----------------------------------------------------------------------------- indexing


def bulk_index(pocs: Sequence[BenchPoc]) -> tuple[int, float]:
    """Index every POC through the service's document builder; returns (documents, seconds)."""
    from opensearchpy.helpers import parallel_bulk

    from search.client import alias
    from search.documents import to_source
    from search.rebuild import ensure_index

    ensure_index()
    es = search_client()
    actions = [
        {
            "_op_type": "index",
            "_id": str(p.id),
            "_routing": str(p.tenant_id),
            "_source": to_source(p, tenant_id=str(p.tenant_id)),  # type: ignore[arg-type]
        }
        for p in pocs
    ]
    started = time.perf_counter()
    done = 0
    for ok, item in parallel_bulk(
        es,
        actions,
        index=alias(),
        chunk_size=1000,
        thread_count=2,
        require_alias=True,
        raise_on_error=False,
    ):
        if not ok:
            raise SystemExit(f"document not indexed: {item}")
        done += 1
    es.indices.refresh(index=alias())
    return done, time.perf_counter() - started


def count_bench_documents(ids: Sequence[uuid.UUID]) -> int:
    from search.client import alias

    body = {"query": {"terms": {"tenant_id": [str(i) for i in ids]}}}
    return int(search_client().count(index=alias(), body=body)["count"])


def delete_bench_documents(ids: Sequence[uuid.UUID]) -> int:
    """Scroll the bench organizations' documents and delete them with the bulk API."""
    from opensearchpy.helpers import bulk, scan

    from search.client import alias

    es = search_client()
    hits = scan(
        es,
        index=alias(),
        query={"query": {"terms": {"tenant_id": [str(i) for i in ids]}}, "_source": ["tenant_id"]},
        size=2000,
        scroll="2m",
    )
    actions = (
        {
            "_op_type": "delete",
            "_index": hit["_index"],
            "_id": hit["_id"],
            "_routing": hit["_source"]["tenant_id"],
        }
        for hit in hits
    )
    deleted, _ = bulk(es, actions, chunk_size=2000, raise_on_error=False)
    es.indices.refresh(index=alias())
    return int(deleted)


# ----------------------------------------------------------------------------- baseline


def load_baseline(pocs: Sequence[BenchPoc]) -> float:
    """The same POCs as a naive implementation would keep them, in one table.

    In the service every organization has its own schema, so its POC table only
    holds its own rows; the btree on ``tenant_id`` gives the baseline the same
    advantage here.
    """
    table = sql.Identifier("public", BASELINE_TABLE)
    started = time.perf_counter()
    with psycopg.connect(POCS_DB) as conn:
        # Recreated on every run: the columns changed once (a rerun must not keep old ones).
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
        conn.execute(
            sql.SQL(
                "CREATE TABLE {} (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, "
                "name text NOT NULL, summary text NOT NULL, description text NOT NULL, "
                "learnings text NOT NULL, tag_labels text NOT NULL, tags text[] NOT NULL, "
                "languages text[] NOT NULL, visibility text NOT NULL, author_id uuid NOT NULL, "
                "deleted_at timestamptz, created_at timestamptz NOT NULL, "
                "updated_at timestamptz NOT NULL)"
            ).format(table)
        )
        conn.execute(
            sql.SQL("CREATE INDEX {} ON {} (tenant_id)").format(
                sql.Identifier(f"{BASELINE_TABLE}_tenant"), table
            )
        )
        columns = (
            "id, tenant_id, name, summary, description, learnings, tag_labels, tags, languages, "
            "visibility, author_id, deleted_at, created_at, updated_at"
        )
        with conn.cursor().copy(
            sql.SQL("COPY {} ({}) FROM STDIN").format(table, sql.SQL(columns))
        ) as copy:
            for p in pocs:
                copy.write_row(
                    (
                        p.id,
                        p.tenant_id,
                        p.name,
                        p.summary,
                        p.description,
                        p.learnings,
                        " ".join(t.label for t in p.tags.all()),
                        [t.slug for t in p.tags.all()],
                        p.languages,
                        p.visibility,
                        p.author_id,
                        p.deleted_at,
                        p.created_at,
                        p.updated_at,
                    )
                )
    with psycopg.connect(POCS_DB, autocommit=True) as conn:
        conn.execute(sql.SQL("VACUUM ANALYZE {}").format(table))
    return time.perf_counter() - started


def drop_baseline() -> None:
    with psycopg.connect(POCS_DB, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier("public", BASELINE_TABLE))
        )


# The naive search as its author would write it: the caller's organization and
# visibility (the same scope as the service's search), every word of the query
# somewhere in the fields the search box promises (name, summary, description,
# learnings, tags), newest first, one page plus one row (as the search asks for).
_BASELINE_FIELDS = ("name", "summary", "description", "learnings", "tag_labels")
_BASELINE_WORD = sql.SQL("({})").format(
    sql.SQL(" OR ").join(sql.SQL("{} ILIKE %s").format(sql.Identifier(f)) for f in _BASELINE_FIELDS)
)


def baseline_query(words: int) -> sql.Composed:
    return sql.SQL(
        "SELECT id, name, summary, tags, languages, updated_at FROM {} "
        "WHERE tenant_id = %s AND deleted_at IS NULL "
        "AND (visibility = 'team' OR author_id = %s) AND {} "
        "ORDER BY updated_at DESC LIMIT 21"
    ).format(
        sql.Identifier("public", BASELINE_TABLE),
        sql.SQL(" AND ").join([_BASELINE_WORD] * max(1, words)),
    )


def baseline_args(session_org: uuid.UUID, member: uuid.UUID, q: str) -> list[Any]:
    words = q.split() or [""]
    return [session_org, member] + [like_pattern(word) for word in words for _ in _BASELINE_FIELDS]


def like_pattern(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# ----------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Session:
    org: Org
    member: uuid.UUID
    token: str


def mint_tokens(orgs: Sequence[Org]) -> list[Session]:
    """Access tokens as accounts issues them (``tokens.services.access_token_for``)."""
    with psycopg.connect(ACCOUNTS_DB) as conn:
        row = conn.execute(
            "SELECT kid, private_pem FROM tokens_signingkey WHERE signing "
            "ORDER BY created_at DESC LIMIT 1"
        ).fetchone()
    if row is None:
        raise SystemExit("accounts has no signing key: is the platform set up (make run)?")
    kid, private_pem = row
    now = int(time.time())
    sessions = []
    for org in orgs:
        member, name = org.members[0]
        claims = {
            "iss": os.environ.get("JWT_ISSUER", "http://localhost:8000"),
            "aud": "pocdex-api",
            "sub": str(member),
            "tid": str(org.id),
            "role": "member",
            "name": name,
            "typ": "access",
            "iat": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(
            claims, private_pem, algorithm="RS256", headers={"kid": kid, "typ": "at+jwt"}
        )
        sessions.append(Session(org=org, member=member, token=token))
    return sessions


# ----------------------------------------------------------------------------- measuring


@dataclass
class Measure:
    latencies: list[float]
    seconds: float
    failures: int
    found: int  # requests that returned at least one result

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        rank = max(0, math.ceil(p / 100 * len(ordered)) - 1)
        return ordered[rank] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def line(self, label: str) -> str:
        return (
            f"{label:<34} p50 {self.pct(50):6.1f} ms  p95 {self.pct(95):6.1f} ms  "
            f"p99 {self.pct(99):6.1f} ms  {self.rate:6.0f} req/s  "
            f"(n={len(self.latencies)}, with results {self.found / len(self.latencies):.0%})"
        )


FULL = ("search", "suggest", "ilike")  # measured with --requests; the others with a third
Job = tuple[Session, str]
# A worker factory returns, per thread, a call that runs one job and returns the number of
# results, or -1 on failure.
Worker = Callable[[], Callable[[Job], int]]


def run_load(jobs: Sequence[Job], worker: Worker, concurrency: int, deadline: float) -> Measure:
    latencies: list[float] = []
    failures = found = 0
    lock = threading.Lock()

    def loop(share: Sequence[Job]) -> None:
        nonlocal failures, found
        call = worker()
        mine: list[float] = []
        bad = hits = 0
        for job in share:
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            n = call(job)
            mine.append(time.perf_counter() - started)
            bad += n < 0
            hits += n > 0
        with lock:
            latencies.extend(mine)
            failures += bad
            found += hits

    threads = [
        threading.Thread(target=loop, args=(jobs[i::concurrency],)) for i in range(concurrency)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Measure(latencies, time.perf_counter() - started, failures, found)


# Built by run.sh from bench/pocs/httpload (Go): the HTTP requests are sent and timed
# by a client that does not compete with the platform for the two cores the way a
# multi-threaded Python client would (about 1 ms of CPU per request behind its GIL).
HTTPLOAD = Path(os.environ.get("POCS_BENCH_HTTPLOAD", ROOT / "var" / "bench" / "pocs-httpload"))
Load = Callable[[Sequence[Job], int, float], Measure]


def gateway_load(path: str, *, authenticated: bool = True) -> Load:
    """Requests to ``path`` through the gateway, ``concurrency`` in flight (httpload)."""

    def load(jobs: Sequence[Job], concurrency: int, deadline: float) -> Measure:
        if not HTTPLOAD.exists():
            raise SystemExit(f"{HTTPLOAD} is missing: run bench/pocs/run.sh, which builds it")
        pairs = [[s.token, q] if authenticated else ["", ""] for s, q in jobs]
        budget = max(1, int(deadline - time.monotonic()))
        done = subprocess.run(
            [
                str(HTTPLOAD),
                f"-gateway={GATEWAY}",
                f"-path={path}",
                f"-concurrency={concurrency}",
                f"-deadline={budget}s",
            ],
            input=json.dumps(pairs),
            capture_output=True,
            text=True,
            timeout=budget + 30,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"httpload failed: {done.stderr.strip()[:500]}")
        out = json.loads(done.stdout)
        return Measure(
            [ms / 1000 for ms in out["latencies_ms"]],
            float(out["elapsed_s"]),
            int(out["failures"]),
            int(out["found"]),
        )

    return load


def baseline_worker() -> Callable[[Job], int]:
    conn = psycopg.connect(POCS_DB, autocommit=True, options="-c statement_timeout=10000")

    def call(job: Job) -> int:
        session, q = job
        query = baseline_query(len(q.split()))
        rows = conn.execute(query, baseline_args(session.org.id, session.member, q)).fetchall()
        return len(rows)

    return call


def in_process_worker() -> Callable[[Job], int]:
    """``search.selectors.poc_search`` called directly: the OpenSearch part of a search."""
    from registry.rules import Actor
    from search import selectors
    from tenants.models import Tenant

    def call(job: Job) -> int:
        session, q = job
        actor = Actor(id=session.member, role="member", name="", tenant=Tenant(id=session.org.id))
        page = selectors.poc_search(actor=actor, params=selectors.SearchParams(q=q))
        return len(page.results)

    return call


def check_isolation(sessions: Sequence[Session], pocs_by_org: dict[uuid.UUID, set[str]]) -> None:
    """A few searches: every result belongs to the caller's organization."""
    http = requests.Session()
    seen = 0
    for session in sessions[:40]:
        response = http.get(
            f"{GATEWAY}/api/v1/search/pocs",
            params={"q": "kafka", "limit": 50},
            headers={"Authorization": f"Bearer {session.token}"},
            timeout=10,
        )
        if response.status_code != 200:
            raise SystemExit(f"search answered {response.status_code}: {response.text[:300]}")
        ids = [r["id"] for r in response.json()["results"]]
        seen += len(ids)
        foreign = [i for i in ids if i not in pocs_by_org[session.org.id]]
        if foreign:
            raise SystemExit(f"search returned another organization's POCs: {foreign[:3]}")
    if not seen:
        raise SystemExit("searches for 'kafka' found nothing: are the bench documents indexed?")


# ----------------------------------------------------------------------------- main

SIZE_BUCKETS = ((1, 40), (41, 100), (101, 300), (301, 1_000_000))


def print_by_size(jobs: Sequence[Job], results: dict[str, Measure]) -> None:
    """Search and the ILIKE baseline, one at a time, by the size of the caller's organization.

    Both ran the same jobs in the same order with one request in flight, so the
    n-th latency of each belongs to the n-th job.
    """
    search, ilike = results["search_1"].latencies, results["ilike_1"].latencies
    floor = results["plain_1"].pct(95)
    print("## one at a time, by organization size (POCs): search (gateway) vs ILIKE, p50 / p95")
    print(f"   (ceiling: ILIKE p95 / gateway floor p95, {floor:.1f} ms in this run)")
    for low, high in SIZE_BUCKETS:
        picked = [
            (s, b)
            for (session, _q), s, b in zip(jobs, search, ilike, strict=False)
            if low <= session.org.size <= high
        ]
        if not picked:
            continue
        by_search = Measure([s for s, _ in picked], 1.0, 0, 0)
        by_ilike = Measure([b for _, b in picked], 1.0, 0, 0)
        label = f"{low}-{high}" if high < 1_000_000 else f"{low}+"
        print(
            f"{label:>9} POCs (n={len(picked):4d}): search {by_search.pct(50):5.1f} / "
            f"{by_search.pct(95):5.1f} ms, ILIKE {by_ilike.pct(50):5.1f} / "
            f"{by_ilike.pct(95):5.1f} ms, ILIKE/search at p95 "
            f"{by_ilike.pct(95) / by_search.pct(95):.2f}x, ceiling {by_ilike.pct(95) / floor:.1f}x"
        )


# Outside the 1..--orgs numbering of the main data set.
LARGE_ORG_NUMBER = 100_000


def large_org_run(rng: random.Random, writer: Writer, size: int, requests: int) -> None:
    """Search vs the ILIKE baseline for one organization of ``size`` POCs (--large-org).

    The organization is indexed next to the main data set, in the same live
    index, and its rows are the only ones of the baseline table for this run
    (a main run loads the table again). Its documents and replica are removed
    at the end. One request at a time, the same jobs for both.
    """
    deadline = time.monotonic() + RUN_BUDGET_SECONDS - 60
    org = Org(number=LARGE_ORG_NUMBER, id=tenant_uuid(LARGE_ORG_NUMBER), size=size)
    for k in range(30):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        org.members.append((uuid.uuid5(NAMESPACE, f"member:{LARGE_ORG_NUMBER}:{k}"), name))
    pocs = [writer.poc(org, i) for i in range(size)]
    print(f"## one organization of {size:,} POCs, next to the main data set")
    documents, seconds = bulk_index(pocs)
    print(f"indexed: {documents:,} documents in {seconds:.1f} s including refresh")
    print(f"ILIKE baseline table: this organization's {size:,} rows in {load_baseline(pocs):.1f} s")
    try:
        ensure_tenants([org])
        (session,) = mint_tokens([org])
        every_query = [q for group in QUERIES.values() for q in group]
        jobs: list[Job] = [(session, rng.choice(every_query)) for _ in range(requests)]
        search = gateway_load("/api/v1/search/pocs")
        search(jobs[:100], 1, deadline)
        run_load(jobs[:100], baseline_worker, 1, deadline)
        by_search = search(jobs, 1, deadline)
        by_ilike = run_load(jobs, baseline_worker, 1, deadline)
        print("## one request at a time")
        print(by_search.line("GET /api/v1/search/pocs (gateway)"))
        print(by_ilike.line("PostgreSQL ILIKE baseline"))
        ratio = by_ilike.pct(95) / by_search.pct(95)
        print(
            f"search vs ILIKE at p95: {ratio:.2f}x "
            f"({'search faster' if ratio >= 1 else 'ILIKE faster'}; same queries)"
        )
        if by_search.failures:
            raise SystemExit(f"FAILED requests: {by_search.failures}")
    finally:
        remove_tenants([org.id])
        delete_bench_documents([org.id])


def cleanup(orgs: int) -> None:
    ids = bench_tenant_ids(max(orgs, 1_000))
    print(f"bench documents deleted: {delete_bench_documents(ids)}")
    print(f"bench tenant rows deleted: {remove_tenants(ids)}")
    drop_baseline()
    print(f"table public.{BASELINE_TABLE} dropped")


class IndexWatch:
    """Notices when someone else's ``bin/setup`` rebuilt the index (without bench documents)."""

    def __init__(self, ids: Sequence[uuid.UUID], expected: int) -> None:
        self.ids, self.expected = ids, expected

    def state(self) -> tuple[tuple[str, ...], int]:
        from search.rebuild import current_indices

        return tuple(current_indices()), count_bench_documents(self.ids)

    def intact(self, before: tuple[tuple[str, ...], int]) -> bool:
        after = self.state()
        return after == before and after[1] == self.expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pocs", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=3_000, help="per main measurement")
    parser.add_argument("--warmup", type=int, default=300)
    # Two cores run everything here (nginx, gunicorn, OpenSearch, PostgreSQL and this
    # client): four requests in flight keep both busy; more only adds queueing.
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--sessions", type=int, default=50, help="organizations sending requests (with a token)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--large-org",
        type=int,
        default=0,
        metavar="POCS",
        help="instead of the main measurements: search vs ILIKE for one more organization "
        "of POCS POCs, indexed next to the main data set",
    )
    parser.add_argument("--cleanup", action="store_true", help="remove everything and exit")
    parser.add_argument("--keep-tenants", action="store_true", help="leave the tenant rows")
    parser.add_argument(
        "--skip-index", action="store_true", help="reuse indexed documents when all are there"
    )
    args = parser.parse_args()
    deadline = time.monotonic() + RUN_BUDGET_SECONDS

    setup_django()
    if args.cleanup:
        cleanup(args.orgs)
        return
    from registry.normalize import tag_slug
    from vocabulary.catalog import catalog

    vocabulary = catalog()
    unknown = [slug for slug in TECHNOLOGIES if vocabulary.get(slug) is None]
    if unknown:
        raise SystemExit(f"not in the pocs vocabulary: {unknown}")
    tech_names = {slug: vocabulary.get(slug).name for slug in TECHNOLOGIES}  # type: ignore[union-attr]
    tags = [Tag(slug=tag_slug(label), label=label) for label in TAG_LABELS]

    rng = random.Random(args.seed)  # noqa: S311 - benchmark data, not secrets
    orgs = build_orgs(rng, args.orgs, args.pocs)
    writer = Writer(rng, tech_names, tags)
    pocs = [writer.poc(org, i) for org in orgs for i in range(org.size)]
    pocs_by_org: dict[uuid.UUID, set[str]] = {}
    for p in pocs:
        pocs_by_org.setdefault(p.tenant_id, set()).add(str(p.id))
    sizes = sorted(o.size for o in orgs)
    ids = [o.id for o in orgs]

    print("## POC search benchmark")
    print(
        f"data: {len(pocs):,} POCs over {len(orgs):,} organizations "
        f"(sizes min {sizes[0]}, median {sizes[len(sizes) // 2]}, max {sizes[-1]}); "
        f"{writer.portuguese / len(pocs):.0%} in Portuguese, the rest in English"
    )

    every_bench_id = bench_tenant_ids(max(args.orgs, 1_000))
    indexed = count_bench_documents(every_bench_id)
    if indexed and indexed != len(pocs):
        # Left by a run with other sizes: ids would not all be overwritten.
        print(f"removed {delete_bench_documents(every_bench_id):,} stale bench documents")
    rates: list[float] = []

    def index_all() -> None:
        documents, seconds = bulk_index(pocs)
        rates.append(documents / seconds)
        print(
            f"bulk indexing: {documents:,} documents in {seconds:.1f} s including refresh "
            f"= {documents / seconds:,.0f} docs/s (parallel_bulk, 2 threads, 1,000 per request)"
        )

    if args.skip_index and indexed == len(pocs):
        print(f"bulk indexing: skipped (--skip-index, {indexed:,} documents present)")
    else:
        index_all()
    if args.large_org:
        # The large organization is measured next to the whole main data set.
        large_org_run(rng, writer, args.large_org, args.requests // 3)
        return
    seconds = load_baseline(pocs)
    print(f"ILIKE baseline table: {len(pocs):,} rows COPYed and analyzed in {seconds:.1f} s")

    # Replicas (and schemas) only for the organizations that send requests, and only
    # while measuring.
    sample = rng.sample(orgs, min(args.sessions, len(orgs)))
    watch = IndexWatch(ids, len(pocs))
    redone: list[str] = []
    try:
        started = time.perf_counter()
        created = ensure_tenants(sample)
        print(
            f"tenant replicas for the {len(sample)} requesting organizations: {created} created "
            f"with their schemas in {time.perf_counter() - started:.1f} s, "
            f"{len(sample) - created} reused"
        )
        sessions = mint_tokens(sample)
        every_query = [q for group in QUERIES.values() for q in group]

        def jobs(count: int) -> list[Job]:
            return [(rng.choice(sessions), rng.choice(every_query)) for _ in range(count)]

        def on_index(name: str, run: Callable[[], Measure]) -> Measure:
            """Run a measurement; again after re-indexing if the index was rebuilt meanwhile."""
            for _ in range(3):
                before = watch.state()
                if before[1] != len(pocs):
                    print(f"(bench documents gone before {name}: index rebuilt elsewhere)")
                    index_all()
                    continue
                measure = run()
                if watch.intact(before) and not measure.failures:
                    return measure
                redone.append(name)
                why = "failed requests (pocs restarted?)" if measure.failures else "index rebuilt"
                print(f"({why} elsewhere during {name}: measuring again)")
            raise SystemExit(f"{name}: the index keeps being rebuilt or pocs restarted; try later")

        search = gateway_load("/api/v1/search/pocs")
        suggest = gateway_load("/api/v1/search/suggest")
        plain = gateway_load("/healthz/pocs", authenticated=False)
        c, n, n3 = args.concurrency, args.requests, args.requests // 3
        measured = jobs(n)
        check_isolation(sessions, pocs_by_org)
        for load in (search, suggest, plain):
            load(jobs(args.warmup), c, deadline)
        for worker in (baseline_worker, in_process_worker):
            run_load(jobs(args.warmup), worker, c, deadline)
        load_before = os.getloadavg()[0]
        results = {
            "search": on_index("search", lambda: search(measured, c, deadline)),
            "suggest": on_index("suggest", lambda: suggest(jobs(n), c, deadline)),
            "ilike": run_load(measured, baseline_worker, c, deadline),
            "plain": on_index("plain", lambda: plain(jobs(n3), c, deadline)),
            "in_process": on_index(
                "in process", lambda: run_load(measured[:n3], in_process_worker, c, deadline)
            ),
            "search_1": on_index("search c=1", lambda: search(measured[:n3], 1, deadline)),
            "suggest_1": on_index("suggest c=1", lambda: suggest(jobs(n3), 1, deadline)),
            "ilike_1": run_load(measured[:n3], baseline_worker, 1, deadline),
            "plain_1": on_index("plain c=1", lambda: plain(jobs(n3), 1, deadline)),
            "in_process_1": on_index(
                "in process c=1", lambda: run_load(measured[:n3], in_process_worker, 1, deadline)
            ),
        }
        load_after = os.getloadavg()[0]
    finally:
        if not args.keep_tenants:
            remove_tenants([o.id for o in sample])

    failures = {k: m.failures for k, m in results.items() if m.failures}
    print()
    print(
        f"## Latency, client side, concurrency {c}, {len(sessions)} organizations' tokens "
        f"in rotation, {sum(len(g) for g in QUERIES.values())} queries "
        f"({', '.join(f'{len(g)} {k}' for k, g in QUERIES.items())})"
    )
    print(results["search"].line("GET /api/v1/search/pocs (gateway)"))
    print(results["suggest"].line("GET /api/v1/search/suggest (gw)"))
    print(results["ilike"].line("PostgreSQL ILIKE baseline"))
    print(results["plain"].line("GET /healthz/pocs (gateway floor)"))
    print(results["in_process"].line("poc_search() in process"))
    print("## the same, one request at a time (concurrency 1)")
    print(results["search_1"].line("GET /api/v1/search/pocs (gateway)"))
    print(results["suggest_1"].line("GET /api/v1/search/suggest (gw)"))
    print(results["ilike_1"].line("PostgreSQL ILIKE baseline"))
    print(results["plain_1"].line("GET /healthz/pocs (gateway floor)"))
    print(results["in_process_1"].line("poc_search() in process"))
    print(
        f"machine load (1 min average, 2 cores): {load_before:.1f} before, "
        f"{load_after:.1f} after the measurements"
    )
    for label, mine in (("", ""), (" (concurrency 1)", "_1")):
        ratio = results[f"ilike{mine}"].pct(95) / results[f"search{mine}"].pct(95)
        print(
            f"search vs ILIKE at p95{label}: {ratio:.2f}x "
            f"({'search faster' if ratio >= 1 else 'ILIKE faster'}; same queries and organizations)"
        )
        # The plain view does no authentication, no query and no JSON body: no
        # endpoint behind the gateway can answer faster, so no search can beat
        # the baseline by more than this.
        ceiling = results[f"ilike{mine}"].pct(95) / results[f"plain{mine}"].pct(95)
        print(
            f"ceiling{label}: ILIKE p95 / gateway floor p95 = {ceiling:.2f}x "
            "(the most any endpoint behind the gateway could be faster than the baseline)"
        )
    print_by_size(measured[: len(results["search_1"].latencies)], results)
    if rates:
        print(f"bulk indexing rate: {rates[0]:,.0f} docs/s")
    if redone:
        print(f"measured again after an index rebuild by someone else: {redone}")
    if failures:
        print(f"FAILED requests: {failures}")
    truncated = [k for k, m in results.items() if len(m.latencies) < (n if k in FULL else n3)]
    if truncated:
        print(f"stopped early at the time budget: {truncated}")
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
