"""The rules of tests/rules.py hold for every service on every stage."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import rules
import yaml
from conftest import CASES

from pocdex_shared.queues import queues_of

Rendered = dict[tuple[str, str], list[dict[str, Any]]]
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("stage", "service"), CASES)
def test_every_deployment_is_probed_sized_spread_and_locked_down(
    rendered: Rendered, stage: str, service: str
) -> None:
    docs = rendered[(stage, service)]
    assert rules.of_kind(docs, "Deployment"), "nothing rendered"
    assert rules.deployment_problems(docs) == []
    assert rules.web_problems(docs) == []
    for job in rules.of_kind(docs, "Job"):
        for container in rules.containers(job):
            assert rules.container_security_problems(rules.name(job), container) == []


@pytest.mark.parametrize(("stage", "service"), CASES)
def test_one_beat_per_service(rendered: Rendered, stage: str, service: str) -> None:
    assert rules.beat_problems(rendered[(stage, service)]) == []


@pytest.mark.parametrize(("stage", "service"), CASES)
def test_every_declared_queue_has_exactly_one_worker(
    rendered: Rendered, stage: str, service: str
) -> None:
    docs = rendered[(stage, service)]
    assert rules.queue_problems(docs, queues_of(service)) == []
    assert rules.worker_scaling_problems(docs) == []


@pytest.mark.parametrize(("stage", "service"), CASES)
def test_images_are_tagged(rendered: Rendered, stage: str, service: str) -> None:
    assert rules.image_problems(rendered[(stage, service)]) == []


@pytest.mark.parametrize(("stage", "service"), CASES)
def test_no_secret_values(rendered: Rendered, stage: str, service: str) -> None:
    docs = rendered[(stage, service)]
    assert rules.secret_problems(docs) == []
    assert rules.secret_name_problems(docs, service, stage) == []


@pytest.mark.parametrize(("stage", "service"), CASES)
def test_every_variable_set_is_read_by_the_service(
    rendered: Rendered, stage: str, service: str
) -> None:
    assert rules.unread_env_problems(rendered[(stage, service)], service) == []


@pytest.mark.parametrize(("stage", "service"), CASES)
def test_network_policies_follow_the_calls_in_the_code(
    rendered: Rendered, stage: str, service: str
) -> None:
    assert rules.network_problems(rendered[(stage, service)], service) == []


@pytest.mark.parametrize(("stage", "service"), CASES)
def test_service_accounts_are_the_cdk_apps(rendered: Rendered, stage: str, service: str) -> None:
    assert rules.identity_problems(rendered[(stage, service)], service) == []


@pytest.mark.parametrize(("stage", "service"), CASES)
def test_target_groups_are_the_services_own(rendered: Rendered, stage: str, service: str) -> None:
    bindings = rules.of_kind(rendered[(stage, service)], "TargetGroupBinding")
    groups = sorted(
        str(b["spec"]["targetGroupARN"]).split(":targetgroup/", 1)[1].split("/")[0]
        for b in bindings
    )
    expected = [f"pocdex-{stage}-{service}"] + (
        [f"pocdex-{stage}-dojo-ws"] if service == "dojo" else []
    )
    assert groups == sorted(expected)
    assert all(
        b["spec"]["serviceRef"] == {"name": f"pocdex-{service}", "port": 80} for b in bindings
    )
    assert all(b["spec"]["targetType"] == "ip" for b in bindings)


@pytest.mark.parametrize(("stage", "service"), CASES)
def test_migrations_run_as_a_hook_before_install_and_upgrade(
    rendered: Rendered, stage: str, service: str
) -> None:
    docs = rendered[(stage, service)]
    jobs = rules.of_kind(docs, "Job")
    assert len(jobs) == 1
    job = jobs[0]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == rules.HOOKS
    values = yaml.safe_load((ROOT / "charts" / "values" / f"{service}.yaml").read_text())
    hooks = values.get("hooks", {})
    migrate = ["python", "manage.py", "migrate_platform"]
    assert [rules.argv(c) for c in rules.containers(job)] == [
        migrate,
        *hooks.get("extraCommands", []),
    ]
    # Variables only the hook needs (an admin user) never reach the running pods.
    hook_only = set(hooks.get("externalSecret", {}).get("env", {}))
    for external in rules.of_kind(docs, "ExternalSecret"):
        names = set(external["spec"]["target"]["template"]["data"])
        if rules.name(external).endswith("-migrate"):
            assert hook_only <= names
        else:
            assert not hook_only & names
    # Its configuration and secret exist before it runs: hooks of a lower weight.
    weight = int(job["metadata"]["annotations"]["helm.sh/hook-weight"])
    sources = {
        s.get("configMapRef", s.get("secretRef", {})).get("name")
        for s in rules.containers(job)[0]["envFrom"]
    }
    for doc in docs:
        if doc["kind"] in ("ConfigMap", "ExternalSecret", "ServiceAccount") and doc["metadata"][
            "name"
        ] in sources | {rules.pod_spec(job)["serviceAccountName"]}:
            assert doc["metadata"]["annotations"]["helm.sh/hook"] == rules.HOOKS
            assert int(doc["metadata"]["annotations"]["helm.sh/hook-weight"]) < weight


def test_worker_grace_outlasts_the_hard_time_limit_of_its_jobs(rendered: Rendered) -> None:
    settings = (ROOT / "services" / "media" / "config" / "settings.py").read_text()
    limits = {}
    for queue in ("reports", "videos"):
        found = re.search(rf'"MEDIA_{queue.upper()[:-1]}_HARD_SECONDS", default=(\d+)', settings)
        assert found, f"the media settings no longer read the hard limit of {queue}"
        limits[queue] = int(found.group(1))
    for (stage, service), docs in rendered.items():
        if service != "media":
            continue
        for deployment in rules.of_kind(docs, "Deployment"):
            for queue, limit in limits.items():
                if f"media.{queue}" in rules.worker_queues(deployment):
                    assert rules.pod_spec(deployment)["terminationGracePeriodSeconds"] > limit, (
                        stage,
                        queue,
                    )


def test_dojo_drains_websockets_longer_than_the_http_services(rendered: Rendered) -> None:
    def pause(docs: list[dict[str, Any]]) -> int:
        web = next(d for d in rules.of_kind(docs, "Deployment") if rules.name(d).endswith("-web"))
        return int(rules.pod_spec(web)["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"])

    for stage in {s for s, _ in rendered}:
        assert pause(rendered[(stage, "dojo")]) > max(
            pause(rendered[(stage, s)]) for s in ("accounts", "pocs", "media")
        )


@pytest.mark.parametrize(("stage", "service"), CASES)
def test_metrics_keep_the_services_own_labels(rendered: Rendered, stage: str, service: str) -> None:
    # The observability chart's rules and panels select on the services' `service` label;
    # without honorLabels Prometheus would rename it `exported_service`.
    (monitor,) = rules.of_kind(rendered[(stage, service)], "ServiceMonitor")
    endpoints = monitor["spec"]["endpoints"]
    assert endpoints and all(endpoint.get("honorLabels") is True for endpoint in endpoints)
