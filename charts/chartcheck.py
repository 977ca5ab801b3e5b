"""Render and check the Helm charts offline: lint, template, schema validation.

Every chart under ``charts/`` is checked. ``pocdex-service`` is rendered once per
service and stage (``values/common.yaml``, ``values/<service>.yaml``,
``values/<stage>.yaml`` and the stage's example stack outputs) into
``var/manifests/<stage>/<service>.yaml``; any other chart with its own values plus
``values/<chart>-<stage>.yaml`` when that file exists, into
``var/manifests/<stage>/<chart>.yaml``. The stages and their Kubernetes version
come from ``cdk/config/<stage>.json``.

Built-in kinds are validated with ``kubernetes-validate`` (strict) against the
stage's Kubernetes version; the custom resources against the committed schemas
in ``charts/schemas/`` (the fields this repository uses).

Usage: python charts/chartcheck.py [lint|manifests|validate|all]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CHARTS = Path(__file__).resolve().parent
ROOT = CHARTS.parent
SERVICE_CHART = CHARTS / "pocdex-service"
VALUES = CHARTS / "values"
SCHEMAS = CHARTS / "schemas"
MANIFESTS = ROOT / "var" / "manifests"
HELM_VERSION = "v3.21.4"
#: Custom resources -> the committed schema of the fields used here.
CRD_SCHEMAS = {
    ("elbv2.k8s.aws/v1beta1", "TargetGroupBinding"): "targetgroupbinding.json",
    ("external-secrets.io/v1", "ExternalSecret"): "externalsecret.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule.json",
}


def helm_binary() -> str:
    """The pinned helm: $POCDEX_HELM, else where charts/test.sh builds it."""
    default = Path(
        os.environ.get("POCDEX_CACHE", "/var/cache/pocdex"), "helm", HELM_VERSION, "bin", "helm"
    )
    return os.environ.get("POCDEX_HELM", str(default))


@dataclass(frozen=True)
class Stage:
    name: str
    kubernetes_version: str  # e.g. "1.35.0"


def stages() -> list[Stage]:
    found = []
    for path in sorted((ROOT / "cdk" / "config").glob("*.json")):
        config = json.loads(path.read_text())
        version = str(config["cluster"]["kubernetes_version"])
        if version.count(".") == 1:
            version += ".0"
        found.append(Stage(config["name"], version))
    return found


def services() -> list[str]:
    """Every service, from the one declaration of queues (pocdex_shared.queues)."""
    sys.path.insert(0, str(ROOT / "shared" / "src"))
    from pocdex_shared.queues import SERVICE_QUEUES

    return list(SERVICE_QUEUES)


def other_charts() -> list[Path]:
    return sorted(
        path.parent
        for path in CHARTS.glob("*/Chart.yaml")
        if path.parent.resolve() != SERVICE_CHART.resolve()
    )


def image_args(service: str, stage: Stage) -> list[str]:
    """The image of a rendering for review: a commit-like tag (the deploy sets the real one)."""
    return [
        "--set",
        f"image.repository=000000000000.dkr.ecr.sa-east-1.amazonaws.com/pocdex-{service}",
        "--set",
        "image.tag=0000000000000000000000000000000000000000",
    ]


def service_values(service: str, stage: Stage) -> list[Path]:
    return [
        VALUES / "common.yaml",
        VALUES / f"{service}.yaml",
        VALUES / f"{stage.name}.yaml",
        VALUES / f"{stage.name}-outputs.example.yaml",
    ]


def other_values(chart: Path, stage: Stage) -> list[Path]:
    extra = VALUES / f"{chart.name}-{stage.name}.yaml"
    return [extra] if extra.exists() else []


def run_helm(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([helm_binary(), *args], capture_output=True, text=True, check=False)


def template_service(
    service: str,
    stage: Stage,
    *,
    values: list[Path] | None = None,
    extra: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """helm template of one service for one stage (values: instead of the usual files)."""
    files = service_values(service, stage) if values is None else values
    args = ["template", f"pocdex-{service}", str(SERVICE_CHART), "--namespace", "pocdex"]
    args += ["--kube-version", stage.kubernetes_version]
    for path in files:
        args += ["-f", str(path)]
    return run_helm(args + image_args(service, stage) + (extra or []))


def template_other(chart: Path, stage: Stage) -> subprocess.CompletedProcess[str]:
    args = ["template", chart.name, str(chart), "--namespace", "pocdex"]
    args += ["--kube-version", stage.kubernetes_version]
    for path in other_values(chart, stage):
        args += ["-f", str(path)]
    return run_helm(args)


def documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def renderings() -> Iterator[tuple[Stage, str, subprocess.CompletedProcess[str]]]:
    """(stage, name, helm template result) for every chart, service and stage."""
    for stage in stages():
        for service in services():
            yield stage, service, template_service(service, stage)
        for chart in other_charts():
            yield stage, chart.name, template_other(chart, stage)


def lint() -> list[str]:
    """helm lint --strict of every chart with every combination of its values files."""
    failures = []
    for stage in stages():
        for service in services():
            args = [
                "lint",
                "--strict",
                str(SERVICE_CHART),
                "--kube-version",
                stage.kubernetes_version,
            ]
            for path in service_values(service, stage):
                args += ["-f", str(path)]
            result = run_helm(args + image_args(service, stage))
            if result.returncode:
                failures.append(f"lint {service} {stage.name}:\n{result.stdout}{result.stderr}")
        for chart in other_charts():
            args = ["lint", "--strict", str(chart), "--kube-version", stage.kubernetes_version]
            for path in other_values(chart, stage):
                args += ["-f", str(path)]
            result = run_helm(args)
            if result.returncode:
                failures.append(f"lint {chart.name} {stage.name}:\n{result.stdout}{result.stderr}")
    return failures


def manifests() -> list[str]:
    """Render everything into var/manifests/<stage>/<name>.yaml."""
    failures = []
    for stage, name, result in renderings():
        folder = MANIFESTS / stage.name
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}.yaml"
        if result.returncode:
            target.unlink(missing_ok=True)
            failures.append(f"template {name} {stage.name}: {result.stderr.strip()}")
        else:
            target.write_text(result.stdout)
    return failures


def crd_schema(api_version: str, kind: str) -> dict[str, Any] | None:
    name = CRD_SCHEMAS.get((api_version, kind))
    if name is None:
        return None
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text())
    return schema


def validate_document(doc: dict[str, Any], kubernetes_version: str) -> list[str]:
    """Errors of one rendered object: the Kubernetes schemas (strict) or a committed CRD schema."""
    import jsonschema
    import kubernetes_validate

    api_version, kind = doc.get("apiVersion", ""), doc.get("kind", "")
    name = f"{kind}/{doc.get('metadata', {}).get('name', '?')}"
    schema = crd_schema(api_version, kind)
    if schema is not None:
        validator = jsonschema.Draft202012Validator(schema)
        return [
            f"{name}: {error.message} at {list(error.absolute_path)}"
            for error in validator.iter_errors(doc)
        ]
    if "." in api_version.split("/")[0] and not api_version.split("/")[0].endswith(".k8s.io"):
        return [f"{name}: {api_version} has no committed schema in charts/schemas"]
    try:
        kubernetes_validate.validate(doc, kubernetes_version, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{name}: {error.message} at {list(error.path)}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"{name}: no Kubernetes {kubernetes_version} schema for {api_version} {kind}"]
    return []


def validate() -> list[str]:
    """Validate every file of var/manifests (make manifests first)."""
    failures = []
    versions = {stage.name: stage.kubernetes_version for stage in stages()}
    files = sorted(MANIFESTS.glob("*/*.yaml"))
    if not files:
        return ["no rendered manifests under var/manifests"]
    for path in files:
        version = versions[path.parent.name]
        for doc in documents(path.read_text()):
            failures += [f"{path.relative_to(ROOT)}: {e}" for e in validate_document(doc, version)]
    return failures


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "all"
    steps = {"lint": [lint], "manifests": [manifests], "validate": [validate]}
    steps["all"] = [lint, manifests, validate]
    if what not in steps:
        print(__doc__)
        return 2
    status = 0
    for step in steps[what]:
        failures = step()
        for failure in failures:
            print(failure)
        print(f"{step.__name__}: {'ok' if not failures else f'{len(failures)} failure(s)'}")
        status = status or (1 if failures else 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
