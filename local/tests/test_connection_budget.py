"""Every service's pods, at their autoscalers' maximum during a rollout, fit in its RDS instance."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT
from .connbudget import SERVICES, STAGES, budget, table


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("service", SERVICES)
def test_connections_at_full_scale_fit_max_connections(service: str, stage: str) -> None:
    b = budget(service, stage)
    assert b.per_web_pod > 0 and b.web_pods > 0
    assert b.total <= b.available, (
        f"{service} on {stage} may open {b.total} connections; its instance takes {b.available} "
        f"(max_connections {b.limit}): lower replicas, workers x threads or the pool, or raise "
        "databases.max_connections in cdk/config"
    )


def test_the_table_in_the_deploy_docs_is_current() -> None:
    assert table() in (ROOT / "docs" / "deploy-aws.md").read_text()


def _copy(tmp_path: Path) -> Path:
    for part in ("charts/pocdex-service", "charts/values", "cdk/config"):
        shutil.copytree(ROOT / part, tmp_path / part)
    for service in SERVICES:
        target = tmp_path / "services" / service / "config"
        target.mkdir(parents=True)
        shutil.copy(ROOT / "services" / service / "Dockerfile", target.parent / "Dockerfile")
        shutil.copy(ROOT / "services" / service / "config" / "settings.py", target / "settings.py")
    return tmp_path


def test_the_count_follows_the_values_and_fails_when_they_outgrow_the_instance(
    tmp_path: Path,
) -> None:
    root = _copy(tmp_path)
    before = budget("dojo", "prod", root)
    dojo = root / "charts" / "values" / "dojo.yaml"
    values = yaml.safe_load(dojo.read_text())
    values.setdefault("config", {})["DOJO_DB_POOL_SIZE"] = "40"
    dojo.write_text(yaml.safe_dump(values))
    after = budget("dojo", "prod", root)
    # The pool and the dojo owner's round connection (ADR 0055).
    assert before.per_web_pod == 16 + 1
    assert after.per_web_pod == 40 + 1
    assert after.web == before.web_pods * 41
    assert after.total > after.available  # 15 pods x 41 no longer fits 400
