"""The cost tables in docs/deploy-aws.md are the ones cost.py computes from the stage configs."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import cost

DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy-aws.md"


def test_the_documented_cost_tables_match_the_configs() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cost.main()
    assert out.getvalue().strip() in DOC.read_text()


def test_every_sized_item_has_a_price() -> None:
    for stage in ("staging", "prod"):
        rows = cost.monthly(stage)
        assert all(value > 0 for _, _, value in rows)
        assert len(rows) == 14
