"""The chart's values follow Bitnami's conventions: each one documented and in the schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import chartcheck
import yaml

VALUES = Path(chartcheck.SERVICE_CHART) / "values.yaml"
SCHEMA = Path(chartcheck.SERVICE_CHART) / "values.schema.json"


def leaves(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, dict) and value:
        return [leaf for k, v in value.items() for leaf in leaves(v, f"{prefix}{k}.")]
    return [prefix.rstrip(".")]


def documented(text: str) -> set[str]:
    return set(re.findall(r"^\s*## @param ([A-Za-z0-9_.]+) \S", text, re.M))


def test_every_value_has_an_param_line_and_every_param_a_value() -> None:
    text = VALUES.read_text()
    keys = set(leaves(yaml.safe_load(text)))
    params = documented(text)
    assert sorted(keys - params) == []
    assert sorted(params - keys) == []


def test_the_schema_knows_every_top_level_value_and_refuses_others() -> None:
    schema = json.loads(SCHEMA.read_text())
    values = yaml.safe_load(VALUES.read_text())
    assert schema["additionalProperties"] is False
    assert sorted(values) == sorted(schema["properties"])


def test_an_undocumented_value_is_found() -> None:
    text = "## @param a.b The b of a\n##\na:\n  b: 1\n  c: 2\n"
    assert set(leaves(yaml.safe_load(text))) - documented(text) == {"a.c"}
