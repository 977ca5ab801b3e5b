from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

CDK_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CDK_DIR))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")

import app as cdk_app  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402
from pocdex_cdk.stage import PocdexStage  # noqa: E402

STACKS = (
    "network",
    "data",
    "cache",
    "search",
    "messaging",
    "storage",
    "compute",
    "edge",
    "observability",
)


@pytest.fixture(scope="session")
def stages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PocdexStage]:
    """Both stages, built once (cdk-nag runs in test.sh's synthesis, not here)."""
    app = cdk_app.build(nag=False, outdir=str(tmp_path_factory.mktemp("cdk.out")))
    return {child.node.id: child for child in app.node.children if isinstance(child, PocdexStage)}


@pytest.fixture(scope="session")
def templates(stages: dict[str, PocdexStage]) -> dict[str, dict[str, Template]]:
    """stage name -> stack name -> Template."""
    return {
        name: {stack: Template.from_stack(getattr(stage, stack)) for stack in STACKS}
        for name, stage in stages.items()
    }
