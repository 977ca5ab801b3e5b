"""Renders every service for every stage once per test session (helm template, offline)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

CHARTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHARTS))
sys.path.insert(0, str(CHARTS.parent / "shared" / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import chartcheck  # noqa: E402

from pocdex_shared.queues import SERVICE_QUEUES  # noqa: E402

STAGES = {stage.name: stage for stage in chartcheck.stages()}
CASES = [(stage, service) for stage in STAGES for service in SERVICE_QUEUES]


@pytest.fixture(scope="session", autouse=True)
def helm_present() -> None:
    helm = Path(chartcheck.helm_binary())
    assert helm.is_file(), f"no helm at {helm}: run charts/test.sh helm (or set POCDEX_HELM)"


@pytest.fixture(scope="session")
def rendered() -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(stage, service) -> the documents of that release."""
    out = {}
    for stage, service in CASES:
        result = chartcheck.template_service(service, STAGES[stage])
        assert result.returncode == 0, f"{service} {stage}: {result.stderr}"
        out[(stage, service)] = chartcheck.documents(result.stdout)
    return out
