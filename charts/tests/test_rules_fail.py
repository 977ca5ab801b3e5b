"""Each check fails on a deliberately broken rendering: the rules can fail."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import chartcheck
import pytest
import rules
import yaml
from conftest import STAGES

from pocdex_shared.queues import queues_of

STAGE = STAGES["staging"]
VALUES = Path(chartcheck.VALUES)


def render(service: str, *extra: str, values: list[Path] | None = None) -> list[dict[str, Any]]:
    result = chartcheck.template_service(service, STAGE, values=values, extra=list(extra))
    assert result.returncode == 0, result.stderr
    return chartcheck.documents(result.stdout)


def refused(service: str, *extra: str, values: list[Path] | None = None) -> str:
    result = chartcheck.template_service(service, STAGE, values=values, extra=list(extra))
    assert result.returncode != 0, "the chart rendered a broken release"
    return result.stderr


def test_a_latest_or_missing_tag_does_not_render() -> None:
    assert "latest" in refused("pocs", "--set", "image.tag=latest")
    assert "image.tag is required" in refused("pocs", "--set", "image.tag=")


def test_an_unresolved_stack_output_does_not_render() -> None:
    files = [VALUES / "common.yaml", VALUES / "pocs.yaml", VALUES / "staging.yaml"]
    assert "unresolved reference" in refused("pocs", values=files)


def test_an_unknown_or_wrong_value_is_refused_by_the_schema(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "webb:\n  replicaCount: 2\ncontainerSecurityContext:\n  readOnlyRootFilesystem: false\n"
    )
    error = refused("pocs", values=[*chartcheck.service_values("pocs", STAGE), broken])
    assert "webb" in error and "readOnlyRootFilesystem" in error


def test_a_missing_or_doubled_queue_is_found(tmp_path: Path) -> None:
    values = yaml.safe_load((VALUES / "pocs.yaml").read_text())
    del values["workers"]["search"]
    without_search = tmp_path / "pocs.yaml"
    without_search.write_text(yaml.safe_dump(values))
    files = [
        without_search if p.name == "pocs.yaml" else p
        for p in chartcheck.service_values("pocs", STAGE)
    ]
    docs = render("pocs", values=files)
    assert rules.queue_problems(docs, queues_of("pocs")) == [
        "queue pocs.search is consumed by 0 worker Deployments"
    ]
    doubled = '{"queues":["search"],"terminationGracePeriodSeconds":60,"resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"memory":"1Gi"}}}'
    docs = render("pocs", "--set-json", f"workers.more={doubled}")
    assert rules.queue_problems(docs, queues_of("pocs")) == [
        "queue pocs.search is consumed by 2 worker Deployments"
    ]
    docs = render("pocs", "--set-json", 'workers.search.queues=["search","reports"]')
    assert "queue pocs.reports is not declared in pocdex_shared.queues" in rules.queue_problems(
        docs, queues_of("pocs")
    )
    assert rules.worker_scaling_problems(docs) == []  # the autoscaler follows what is consumed


def test_no_beat_is_found() -> None:
    assert rules.beat_problems(render("dojo", "--set", "beat.enabled=false")) == [
        "0 beat Deployments, expected exactly 1"
    ]


def test_a_deployment_without_probes_spread_pdb_or_lockdown_is_found() -> None:
    docs = render("media")
    broken = copy.deepcopy(docs)
    web = next(d for d in broken if d["kind"] == "Deployment" and rules.name(d).endswith("-web"))
    container = rules.pod_spec(web)["containers"][0]
    del container["readinessProbe"]
    del container["resources"]["requests"]["cpu"]
    container["securityContext"]["allowPrivilegeEscalation"] = True
    rules.pod_spec(web)["topologySpreadConstraints"].pop(0)
    broken = [
        d
        for d in broken
        if not (d["kind"] == "PodDisruptionBudget" and rules.name(d).endswith("-web"))
    ]
    problems = rules.deployment_problems(broken)
    assert "pocdex-media-web/web: no readinessProbe" in problems
    assert "pocdex-media-web: no topology spread over zones and nodes" in problems
    assert "pocdex-media-web: no PodDisruptionBudget selects its pods" in problems
    assert "pocdex-media-web/web: privilege escalation is allowed" in problems
    assert any("cpu and memory requests" in p for p in problems)
    assert rules.deployment_problems(docs) == []


def test_a_plain_secret_is_found() -> None:
    docs = render(
        "accounts",
        "--set",
        "config.DJANGO_SECRET_KEY=x",
        "--set",
        "config.ACCOUNTS_URL=postgres://u:p@db/x",
    )
    problems = rules.secret_problems(docs)
    assert any("DJANGO_SECRET_KEY looks like a secret" in p for p in problems)
    assert any("ACCOUNTS_URL looks like a credential" in p for p in problems)


def test_a_secret_neither_made_nor_documented_is_found() -> None:
    docs = render(
        "pocs",
        "--set",
        "externalSecret.remoteRefs.other.key=pocdex/${stage}/pocs/env",
        "--set",
        "externalSecret.remoteRefs.master.key=pocdex/${stage}/opensearch/master",
    )
    problems = rules.secret_name_problems(docs, "pocs", "staging")
    assert problems == [
        f"{release}: pocdex/staging/pocs/env is neither made by the CDK app nor documented"
        for release in ("pocdex-pocs", "pocdex-pocs-migrate")
    ]


def test_a_variable_the_service_never_reads_is_found() -> None:
    problems = rules.unread_env_problems(
        render("dojo", "--set", "config.DOJO_TYPO_LIMIT=3"), "dojo"
    )
    assert len(problems) == 1 and problems[0].endswith(
        "DOJO_TYPO_LIMIT is set but dojo's code never reads it"
    )


def test_network_policies_that_drift_from_the_code_are_found() -> None:
    problems = rules.network_problems(
        render("pocs", "--set-json", 'networkPolicy.calls=["accounts","media"]'), "pocs"
    )
    assert problems == ["egress to services ['accounts', 'media'], but the code calls ['accounts']"]
    problems = rules.network_problems(
        render("pocs", "--set-json", 'networkPolicy.callers=["dojo"]'), "pocs"
    )
    assert problems == [
        "ingress from services ['dojo'], but the callers are ['accounts', 'dojo', 'media']"
    ]
    assert "no default-deny NetworkPolicy (both directions, no rule)" in rules.network_problems(
        render("pocs", "--set", "networkPolicy.enabled=false"), "pocs"
    )


def test_another_service_account_is_found() -> None:
    problems = rules.identity_problems(
        render("media", "--set", "serviceAccount.name=media"), "media"
    )
    assert "no ServiceAccount pocdex-media (the CDK app's Pod Identity association)" in problems


def test_extra_hook_commands_run_after_the_migration_in_order() -> None:
    docs = render(
        "accounts",
        "--set-json",
        'hooks.extraCommands=[["python","manage.py","a"],["python","manage.py","b"]]',
    )
    job = rules.of_kind(docs, "Job")[0]
    spec = rules.pod_spec(job)
    assert [rules.argv(c) for c in spec["initContainers"]] == [
        ["python", "manage.py", "migrate_platform"],
        ["python", "manage.py", "a"],
    ]
    assert [rules.argv(c) for c in spec["containers"]] == [["python", "manage.py", "b"]]


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "x"},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": {"a": "b"}},
                    "replicsa": 2,
                    "template": {
                        "metadata": {"labels": {"a": "b"}},
                        "spec": {"containers": [{"name": "x", "image": "y:1"}]},
                    },
                },
            },
            "replicsa",
        ),
        (
            {
                "apiVersion": "elbv2.k8s.aws/v1beta1",
                "kind": "TargetGroupBinding",
                "metadata": {"name": "x"},
                "spec": {
                    "targetGroupARN": "arn:aws:elasticloadbalancing:sa-east-1:1:targetgroup/x",
                    "serviceRef": {"name": "x", "port": 8000},
                },
            },
            "does not match",
        ),
        (
            {
                "apiVersion": "external-secrets.io/v1",
                "kind": "ExternalSecret",
                "metadata": {"name": "x"},
                "spec": {
                    "secretStoreRef": {"name": "s"},
                    "target": {"name": "x"},
                    "data": [],
                    "dataFrom": [],
                },
            },
            "dataFrom",
        ),
        (
            {
                "apiVersion": "keda.sh/v1alpha1",
                "kind": "ScaledObject",
                "metadata": {"name": "x"},
                "spec": {},
            },
            "no committed schema",
        ),
    ],
)
def test_schema_validation_refuses_a_broken_object(doc: dict[str, Any], expected: str) -> None:
    errors = chartcheck.validate_document(doc, STAGE.kubernetes_version)
    assert errors and any(expected in e for e in errors), errors


def test_any_other_chart_is_rendered_and_its_custom_resources_validated(tmp_path: Path) -> None:
    """Charts other than pocdex-service (the observability chart) go through the same checks."""
    chart = tmp_path / "pocdex-other"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: pocdex-other\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("expr: up == 0\n")
    (chart / "templates" / "rules.yaml").write_text(
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: other\n"
        "spec:\n  groups:\n    - name: g\n      rules:\n        - alert: Down\n"
        "          expr: {{ .Values.expr | quote }}\n          for: 5m\n"
    )
    assert chart.resolve() not in chartcheck.other_charts()
    assert chartcheck.SERVICE_CHART not in chartcheck.other_charts()

    def errors(*extra: str) -> list[str]:
        result = chartcheck.run_helm(
            ["template", "other", str(chart), "--kube-version", STAGE.kubernetes_version, *extra]
        )
        assert result.returncode == 0, result.stderr
        docs = chartcheck.documents(result.stdout)
        assert [d["kind"] for d in docs] == ["PrometheusRule"]
        return [e for d in docs for e in chartcheck.validate_document(d, STAGE.kubernetes_version)]

    assert errors() == []
    assert errors("--set", "expr=") != []  # an alert without an expression
