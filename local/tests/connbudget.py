"""PostgreSQL connections each service can open on AWS, against its RDS instance's max_connections.

Read from the files that decide it, so the numbers follow them:

- replicas: the chart's values (``charts/pocdex-service/values.yaml``, then
  ``charts/values/common.yaml``, ``<service>.yaml`` and ``<stage>.yaml``, merged
  as Helm merges them): the autoscalers' ``maxReplicas``, plus the rolling
  update's surge (25 % of the web pods, rounded up; one pod per worker group);
- per web pod: gunicorn's ``--workers`` x ``--threads`` from the image's ``CMD``
  (``services/<service>/Dockerfile``; Django keeps one connection per thread,
  ``CONN_MAX_AGE`` 60 s), or for daphne (dojo) the psycopg pool's ``max_size``
  (``DOJO_DB_POOL_SIZE``, its default read from the settings) plus the dojo
  owner's own connection for its rounds (ADR 0055);
- per worker pod: Celery's prefork ``concurrency`` children plus the main process;
- the beat and the migration hook: one each;
- the limit: ``databases.max_connections`` of ``cdk/config/<stage>.json``
  (every service has an instance of its own), less RDS's 3 reserved superuser
  connections and 10 % kept for operators and Performance Insights.

    python local/tests/connbudget.py      # the table in docs/deploy-aws.md
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("accounts", "pocs", "dojo", "media")
# The dojo owner's connection for its rounds, besides the pool (dojos.owner.RoundConnection).
DOJO_ROUND_CONNECTIONS = 1
STAGES = ("staging", "prod")
RDS_RESERVED = 3
OPERATOR_SHARE = 0.10
WEB_SURGE = 0.25


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def values(service: str, stage: str, root: Path = ROOT) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in (
        root / "charts" / "pocdex-service" / "values.yaml",
        root / "charts" / "values" / "common.yaml",
        root / "charts" / "values" / f"{service}.yaml",
        root / "charts" / "values" / f"{stage}.yaml",
    ):
        merged = _merge(merged, yaml.safe_load(path.read_text()) or {})
    return merged


def _replicas(block: dict[str, Any]) -> int:
    scaling = block.get("autoscaling") or {}
    if scaling.get("enabled"):
        return int(scaling["maxReplicas"])
    return int(block.get("replicaCount", 1))


def web_connections_per_pod(service: str, config: dict[str, Any], root: Path = ROOT) -> int:
    dockerfile = (root / "services" / service / "Dockerfile").read_text()
    workers = re.search(r'"--workers",\s*"(\d+)"', dockerfile)
    if workers:
        threads = re.search(r'"--threads",\s*"(\d+)"', dockerfile)
        return int(workers.group(1)) * (int(threads.group(1)) if threads else 1)
    if "daphne" in dockerfile:
        settings = (root / "services" / service / "config" / "settings.py").read_text()
        default = re.search(r'"DOJO_DB_POOL_SIZE",\s*default=(\d+)', settings)
        if default is None:
            raise ValueError(f"{service}: daphne without a DOJO_DB_POOL_SIZE default")
        pool = int(str(config.get("DOJO_DB_POOL_SIZE") or default.group(1)))
        return pool + DOJO_ROUND_CONNECTIONS
    raise ValueError(f"{service}: the Dockerfile's CMD is neither gunicorn nor daphne")


@dataclass(frozen=True)
class Budget:
    service: str
    stage: str
    web_pods: int
    per_web_pod: int
    worker_connections: int
    other: int
    limit: int

    @property
    def web(self) -> int:
        return self.web_pods * self.per_web_pod

    @property
    def total(self) -> int:
        return self.web + self.worker_connections + self.other

    @property
    def available(self) -> int:
        return math.floor((self.limit - RDS_RESERVED) * (1 - OPERATOR_SHARE))


def budget(service: str, stage: str, root: Path = ROOT) -> Budget:
    merged = values(service, stage, root)
    web = merged.get("web") or {}
    web_pods = 0
    per_pod = 0
    if web.get("enabled", True):
        most = _replicas(web)
        web_pods = most + math.ceil(most * WEB_SURGE)
        per_pod = web_connections_per_pod(service, merged.get("config") or {}, root)
    workers = 0
    for group in (merged.get("workers") or {}).values():
        pods = _replicas(group) + 1  # one surge pod during a rollout
        workers += pods * (int(group.get("concurrency", 1)) + 1)
    other = 1  # the migration hook
    if (merged.get("beat") or {}).get("enabled", True):
        other += 1
    limit = json.loads((root / "cdk" / "config" / f"{stage}.json").read_text())["databases"][
        "max_connections"
    ]
    return Budget(service, stage, web_pods, per_pod, workers, other, int(limit))


def table(root: Path = ROOT) -> str:
    lines = [
        "| stage | service | web pods (max + surge) x connections | workers | beat + migration | total | available of max_connections |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for stage in STAGES:
        for service in SERVICES:
            b = budget(service, stage, root)
            lines.append(
                f"| {stage} | {service} | {b.web_pods} x {b.per_web_pod} = {b.web} | "
                f"{b.worker_connections} | {b.other} | {b.total} | {b.available} of {b.limit} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
