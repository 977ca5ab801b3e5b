"""The stage values agree with the CDK app's stage configs (cdk/config/<stage>.json)."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import chartcheck
import pytest
import yaml
from conftest import STAGES

CONFIG = Path(chartcheck.ROOT) / "cdk" / "config"


def cidrs(values: dict[str, Any]) -> list[str]:
    policy = values["networkPolicy"]
    found = list(policy["loadBalancerCIDRs"]) + list(policy["awsApiCIDRs"])
    for entry in policy["dataStores"]:
        found += entry["cidrs"]
    return found


def stage_problems(values: dict[str, Any], config: dict[str, Any]) -> list[str]:
    problems = []
    for key, expected in (
        ("stage", config["name"]),
        ("domain", config["domain"]),
    ):
        if values.get(key) != expected:
            problems.append(f"{key} is {values.get(key)!r}, the CDK config says {expected!r}")
    settings = values.get("stageValues", {})
    for key in ("region", "push_apns_application_arn", "push_fcm_application_arn"):
        if settings.get(key) != config[key]:
            problems.append(f"stageValues.{key} is {settings.get(key)!r}, not {config[key]!r}")
    vpc = ipaddress.ip_network(config["network"]["cidr"])
    for cidr in cidrs(values):
        if not ipaddress.ip_network(cidr).subnet_of(vpc):  # type: ignore[arg-type]
            problems.append(f"{cidr} is outside the stage's VPC {vpc}")
    return problems


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage_values_match_the_cdk_config(stage: str) -> None:
    values = yaml.safe_load((chartcheck.VALUES / f"{stage}.yaml").read_text())
    config = json.loads((CONFIG / f"{stage}.json").read_text())
    assert stage_problems(values, config) == []


def test_a_stage_file_that_drifted_is_found() -> None:
    values = yaml.safe_load((chartcheck.VALUES / "staging.yaml").read_text())
    config = json.loads((CONFIG / "prod.json").read_text())
    problems = stage_problems(values, config)
    assert "stage is 'staging', the CDK config says 'prod'" in problems
    assert any("outside the stage's VPC 10.50.0.0/16" in p for p in problems)
