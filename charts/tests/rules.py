"""The rules the rendered manifests must follow, as functions returning their violations.

Each function takes the documents of one rendered release (and what it needs to
know about the service) and returns a list of problems, empty when the rule
holds; tests/test_rendered.py asserts them on every service and stage, and
tests/test_rules_fail.py shows each one failing on a deliberately broken
rendering.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
Doc = dict[str, Any]

UID = 10001
HOOKS = "pre-install,pre-upgrade"
#: Names of variables that carry credentials: only an ExternalSecret may set them.
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|TOKEN|_KEY$|^DATABASE_URL|REDIS_URL$|^CACHE_URL$)")
#: A value with credentials in it: user:password@ in a URL, or a long random-looking string
#: (mixed case and digits: a commit or a digest, lower-case hex, is not one).
SECRET_VALUE = re.compile(
    r"://[^/@\s:]*:[^/@\s]+@|^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])[A-Za-z0-9+/=_-]{32,}$"
)


def of_kind(docs: Iterable[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d.get("kind") == kind]


def name(doc: Doc) -> str:
    return str(doc["metadata"]["name"])


def pod_spec(doc: Doc) -> Doc:
    spec: Doc = doc["spec"]["template"]["spec"]
    return spec


def containers(doc: Doc) -> list[Doc]:
    spec = pod_spec(doc)
    return list(spec.get("initContainers", [])) + list(spec["containers"])


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def argv(container: Doc) -> list[str]:
    """What a container runs: its command, or its args behind the image's entrypoint."""
    return [str(a) for a in (container.get("command") or container.get("args") or [])]


def worker_queues(deployment: Doc) -> list[str]:
    """The queues a worker Deployment consumes (its --queues argument)."""
    for container in pod_spec(deployment)["containers"]:
        command = argv(container)
        if command[:4] == ["celery", "-A", "config", "worker"] and "--queues" in command:
            return str(command[command.index("--queues") + 1]).split(",")
    return []


def is_beat(deployment: Doc) -> bool:
    return any(
        argv(c)[:4] == ["celery", "-A", "config", "beat"]
        for c in pod_spec(deployment)["containers"]
    )


# --------------------------------------------------------------------------- workloads


def deployment_problems(docs: list[Doc]) -> list[str]:
    """Probes, resources, zone and node spread, non-root read-only containers, /tmp, a PDB."""
    problems = []
    pdbs = of_kind(docs, "PodDisruptionBudget")
    for deployment in of_kind(docs, "Deployment"):
        where = name(deployment)
        spec = pod_spec(deployment)
        keys = {c.get("topologyKey") for c in spec.get("topologySpreadConstraints", [])}
        if not {"topology.kubernetes.io/zone", "kubernetes.io/hostname"} <= keys:
            problems.append(f"{where}: no topology spread over zones and nodes")
        security = spec.get("securityContext", {})
        if not (security.get("runAsNonRoot") and security.get("runAsUser") == UID):
            problems.append(f"{where}: the pod does not run as the non-root uid {UID}")
        if security.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{where}: no RuntimeDefault seccomp profile")
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        if not any(matches(p["spec"]["selector"]["matchLabels"], labels) for p in pdbs):
            problems.append(f"{where}: no PodDisruptionBudget selects its pods")
        tmp_volumes = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
        for container in spec["containers"]:
            cname = f"{where}/{container['name']}"
            for probe in ("livenessProbe", "readinessProbe"):
                if probe not in container:
                    problems.append(f"{cname}: no {probe}")
            requests = container.get("resources", {}).get("requests", {})
            limits = container.get("resources", {}).get("limits", {})
            if not {"cpu", "memory"} <= set(requests) or "memory" not in limits:
                problems.append(
                    f"{cname}: resources need cpu and memory requests and a memory limit"
                )
            problems += container_security_problems(cname, container)
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            if mounts.get("/tmp") not in tmp_volumes:  # noqa: S108 (the pod's own emptyDir)
                problems.append(f"{cname}: /tmp is not an emptyDir")
    return problems


def container_security_problems(where: str, container: Doc) -> list[str]:
    ctx = container.get("securityContext", {})
    problems = []
    if ctx.get("readOnlyRootFilesystem") is not True:
        problems.append(f"{where}: the root filesystem is writable")
    if ctx.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{where}: privilege escalation is allowed")
    if "ALL" not in ctx.get("capabilities", {}).get("drop", []):
        problems.append(f"{where}: capabilities are not all dropped")
    if ctx.get("runAsNonRoot") is not True or ctx.get("privileged"):
        problems.append(f"{where}: may run as root or privileged")
    return problems


def web_problems(docs: list[Doc]) -> list[str]:
    """The web pods: /healthz and /readyz, a preStop pause, a CPU autoscaler."""
    problems = []
    webs = [d for d in of_kind(docs, "Deployment") if name(d).endswith("-web")]
    if len(webs) != 1:
        return [f"{len(webs)} web Deployments, expected 1"]
    web = webs[0]
    container = pod_spec(web)["containers"][0]
    if container.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
        problems.append("web: the liveness probe is not /healthz")
    if container.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
        problems.append("web: the readiness probe is not /readyz")
    pause = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    grace = pod_spec(web).get("terminationGracePeriodSeconds", 30)
    if not 0 < pause < grace:
        problems.append(
            f"web: preStop pause {pause}s must be positive and shorter than the grace {grace}s"
        )
    hpas = [
        h
        for h in of_kind(docs, "HorizontalPodAutoscaler")
        if h["spec"]["scaleTargetRef"]["name"] == name(web)
    ]
    if not hpas or hpas[0]["spec"]["metrics"][0].get("resource", {}).get("name") != "cpu":
        problems.append("web: no CPU autoscaler")
    return problems


def beat_problems(docs: list[Doc]) -> list[str]:
    """Exactly one beat: replicas 1, Recreate; no worker runs an embedded beat."""
    deployments = of_kind(docs, "Deployment")
    beats = [d for d in deployments if is_beat(d)]
    problems = []
    if len(beats) != 1:
        problems.append(f"{len(beats)} beat Deployments, expected exactly 1")
    for beat in beats:
        if beat["spec"].get("replicas") != 1:
            problems.append(f"{name(beat)}: replicas must be 1")
        if beat["spec"].get("strategy", {}).get("type") != "Recreate":
            problems.append(
                f"{name(beat)}: strategy must be Recreate (never two beats during an update)"
            )
        if any(
            h["spec"]["scaleTargetRef"]["name"] == name(beat)
            for h in of_kind(docs, "HorizontalPodAutoscaler")
        ):
            problems.append(f"{name(beat)}: a beat must not be autoscaled")
    for deployment in deployments:
        for container in pod_spec(deployment)["containers"]:
            command = argv(container)
            if "worker" in command and ("--beat" in command or "-B" in command):
                problems.append(f"{name(deployment)}: a worker runs an embedded beat")
    return problems


def queue_problems(docs: list[Doc], declared: Iterable[str]) -> list[str]:
    """Every declared queue consumed by exactly one worker Deployment, nothing else consumed."""
    consumed: Counter[str] = Counter()
    for deployment in of_kind(docs, "Deployment"):
        consumed.update(worker_queues(deployment))
    declared = list(declared)
    problems = [
        f"queue {q} is consumed by {consumed[q]} worker Deployments"
        for q in declared
        if consumed[q] != 1
    ]
    problems += [
        f"queue {q} is not declared in pocdex_shared.queues" for q in consumed if q not in declared
    ]
    return problems


def worker_scaling_problems(docs: list[Doc]) -> list[str]:
    """A worker group's autoscaler follows the depth of exactly the queues it consumes."""
    problems = []
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(docs, "HorizontalPodAutoscaler")
    }
    for deployment in of_kind(docs, "Deployment"):
        queues = worker_queues(deployment)
        if not queues or name(deployment) not in hpas:
            continue
        metrics = hpas[name(deployment)]["spec"]["metrics"]
        watched = sorted(
            m["external"]["metric"]["selector"]["matchLabels"]["queue"]
            for m in metrics
            if m["type"] == "External"
            and m["external"]["metric"]["name"] == "pocdex_celery_queue_depth"
        )
        if watched != sorted(queues):
            problems.append(f"{name(deployment)}: scales on {watched}, consumes {sorted(queues)}")
    return problems


def image_problems(docs: list[Doc]) -> list[str]:
    problems = []
    for doc in docs:
        if doc.get("kind") not in ("Deployment", "Job"):
            continue
        for container in containers(doc):
            image = str(container["image"])
            tag = image.split("@")[0].rsplit(":", 1)[-1] if ":" in image.split("/")[-1] else ""
            if not tag or tag.lower() == "latest":
                problems.append(
                    f"{name(doc)}/{container['name']}: image {image} has no tag or latest"
                )
    return problems


# --------------------------------------------------------------------------- config and secrets


def env_names(docs: list[Doc]) -> dict[str, str]:
    """Every environment variable the release sets -> where (ConfigMap, Secret, container)."""
    found: dict[str, str] = {}
    for config_map in of_kind(docs, "ConfigMap"):
        for key in config_map.get("data", {}):
            found[key] = f"ConfigMap {name(config_map)}"
    for external in of_kind(docs, "ExternalSecret"):
        for key in external["spec"]["target"].get("template", {}).get("data", {}):
            found[key] = f"ExternalSecret {name(external)}"
    for doc in docs:
        if doc.get("kind") not in ("Deployment", "Job"):
            continue
        for container in containers(doc):
            for entry in container.get("env", []):
                found[entry["name"]] = f"{name(doc)}/{container['name']}"
    return found


def secret_problems(docs: list[Doc]) -> list[str]:
    """No secret value anywhere: credentials only through the ExternalSecret's Secret."""
    problems = [
        f"a Secret is rendered ({name(d)}): secrets come from ExternalSecrets only"
        for d in of_kind(docs, "Secret")
    ]
    plain: list[tuple[str, str, str]] = []
    for config_map in of_kind(docs, "ConfigMap"):
        plain += [
            (f"ConfigMap {name(config_map)}", k, str(v))
            for k, v in config_map.get("data", {}).items()
        ]
    for doc in docs:
        if doc.get("kind") not in ("Deployment", "Job"):
            continue
        for container in containers(doc):
            plain += [
                (f"{name(doc)}/{container['name']}", e["name"], str(e["value"]))
                for e in container.get("env", [])
                if "value" in e
            ]
    for where, key, value in plain:
        if SECRET_NAME.search(key):
            problems.append(f"{where}: {key} looks like a secret and is set in plain text")
        if SECRET_VALUE.search(value):
            problems.append(f"{where}: the value of {key} looks like a credential")
    targets = {external["spec"]["target"]["name"] for external in of_kind(docs, "ExternalSecret")}
    for doc in docs:
        if doc.get("kind") not in ("Deployment", "Job"):
            continue
        for container in containers(doc):
            for source in container.get("envFrom", []):
                ref = source.get("secretRef", {}).get("name")
                if ref and ref not in targets:
                    problems.append(
                        f"{name(doc)}: reads the Secret {ref}, which no ExternalSecret makes"
                    )
            for entry in container.get("env", []):
                ref = entry.get("valueFrom", {}).get("secretKeyRef", {}).get("name")
                if ref and ref not in targets:
                    problems.append(
                        f"{name(doc)}: reads the Secret {ref}, which no ExternalSecret makes"
                    )
    for external in of_kind(docs, "ExternalSecret"):
        for key, template in external["spec"]["target"].get("template", {}).get("data", {}).items():
            if SECRET_VALUE.search(re.sub(r"\{\{[^}]*\}\}", "", template)):
                problems.append(
                    f"ExternalSecret {name(external)}: {key} has a credential outside the template"
                )
    return problems


def source_strings(paths: Iterable[Path]) -> tuple[set[str], set[str]]:
    """String constants of Python sources, and the literal heads of their f-strings."""
    constants: set[str] = set()
    heads: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    heads.add(first.value)
    return constants, heads


def service_sources(service: str) -> list[Path]:
    """The code a service runs: its own (tests excluded) and the shared package."""
    roots = [ROOT / "services" / service, ROOT / "shared" / "src" / "pocdex_shared"]
    return [
        path
        for root in roots
        for path in root.rglob("*.py")
        if "tests" not in path.relative_to(root).parts and "migrations" not in path.parts
    ]


def unread_env_problems(docs: list[Doc], service: str) -> list[str]:
    """Every variable set is one the service's code reads (a quoted name in its sources)."""
    constants, heads = source_strings(service_sources(service))
    heads = {h for h in heads if len(h) >= 8 and h.endswith("_") and h.isupper()}
    expansions = set()
    for doc in docs:
        if doc.get("kind") in ("Deployment", "Job"):
            for container in containers(doc):
                for entry in container.get("env", []):
                    expansions.update(
                        re.findall(r"\$\(([A-Z0-9_]+)\)", str(entry.get("value", "")))
                    )
    problems = []
    for var, where in sorted(env_names(docs).items()):
        if var in constants or var in expansions or any(var.startswith(h) for h in heads):
            continue
        problems.append(f"{where}: {var} is set but {service}'s code never reads it")
    return problems


# --------------------------------------------------------------------------- network and identity


def calls_from_code(service: str) -> set[str]:
    """The services whose internal APIs a service calls: the <SERVICE>_URL its settings require."""
    settings = (ROOT / "services" / service / "config" / "settings.py").read_text()
    from pocdex_shared.queues import SERVICE_QUEUES

    return {
        other
        for other in SERVICE_QUEUES
        if other != service and f'"{other.upper()}_URL"' in settings
    }


def network_problems(docs: list[Doc], service: str) -> list[str]:
    """Default deny both ways; egress to exactly the services it calls; ingress from its callers."""
    from pocdex_shared.queues import SERVICE_QUEUES

    policies = of_kind(docs, "NetworkPolicy")
    problems = []
    deny = [
        p
        for p in policies
        if set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    if not deny:
        problems.append("no default-deny NetworkPolicy (both directions, no rule)")
    else:
        selector = deny[0]["spec"]["podSelector"].get("matchLabels", {})
        for doc in docs:
            labels = doc.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
            if doc.get("kind") in ("Deployment", "Job") and not matches(selector, labels):
                problems.append(f"{name(doc)}: its pods escape the default deny")
    reached: set[str] = set()
    admitted: set[str] = set()
    for policy in policies:
        for rule in policy["spec"].get("egress", []):
            for peer in rule.get("to", []):
                for expr in peer.get("podSelector", {}).get("matchExpressions", []):
                    if expr["key"] == "app.kubernetes.io/name":
                        reached.update(v.removeprefix("pocdex-") for v in expr["values"])
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                for expr in peer.get("podSelector", {}).get("matchExpressions", []):
                    if expr["key"] == "app.kubernetes.io/name":
                        admitted.update(v.removeprefix("pocdex-") for v in expr["values"])
                if "ipBlock" in peer and peer["ipBlock"]["cidr"] == "0.0.0.0/0":
                    problems.append(f"{name(policy)}: ingress from anywhere")
    expected_calls = calls_from_code(service)
    if reached != expected_calls:
        problems.append(
            f"egress to services {sorted(reached)}, but the code calls {sorted(expected_calls)}"
        )
    callers = {other for other in SERVICE_QUEUES if service in calls_from_code(other)}
    if admitted != callers:
        problems.append(
            f"ingress from services {sorted(admitted)}, but the callers are {sorted(callers)}"
        )
    return problems


def cdk_service_account() -> tuple[str, str]:
    """(namespace, service account template) as cdk/pocdex_cdk/compute.py defines them."""
    source = (ROOT / "cdk" / "pocdex_cdk" / "compute.py").read_text()
    namespace = re.search(r'^NAMESPACE = "([a-z0-9-]+)"', source, re.M)
    account = re.search(r'def service_account\(service: str\) -> str:\s+return f"([^"]+)"', source)
    if not namespace or not account:
        raise AssertionError(
            "compute.py no longer defines NAMESPACE and service_account() as expected"
        )
    return namespace.group(1), account.group(1)


def identity_problems(docs: list[Doc], service: str) -> list[str]:
    namespace, template = cdk_service_account()
    expected = template.replace("{service}", service)
    problems = []
    accounts = {name(sa) for sa in of_kind(docs, "ServiceAccount")}
    if expected not in accounts:
        problems.append(f"no ServiceAccount {expected} (the CDK app's Pod Identity association)")
    for doc in docs:
        if doc.get("metadata", {}).get("namespace") != namespace:
            problems.append(f"{doc['kind']} {name(doc)} is not in the namespace {namespace}")
        if doc.get("kind") == "Deployment" and pod_spec(doc).get("serviceAccountName") != expected:
            problems.append(
                f"{name(doc)}: runs as {pod_spec(doc).get('serviceAccountName')}, not {expected}"
            )
    return problems


def cdk_secret_names(stage: str) -> set[str]:
    """The Secrets Manager names the CDK app creates (secret_name=f"pocdex/{config.name}/...")."""
    names = set()
    for path in (ROOT / "cdk" / "pocdex_cdk").glob("*.py"):
        for match in re.finditer(r'secret_name=f"([^"]+)"', path.read_text()):
            names.add(match.group(1).replace("{config.name}", stage))
    return names


def documented_secret_names(stage: str, service: str) -> set[str]:
    """The entries docs/configuration.md names as production sources (secret `pocdex/<stage>/...`)."""
    text = (ROOT / "docs" / "configuration.md").read_text()
    return {
        name.replace("<stage>", stage).replace("<service>", service)
        for name in re.findall(r"secret `(pocdex/<stage>/[a-z0-9<>/-]+)`", text)
    }


def secret_name_problems(docs: list[Doc], service: str, stage: str) -> list[str]:
    """Secrets Manager entries: an ARN from the stack outputs, or a name the CDK app makes or
    docs/configuration.md documents (the entries made by hand on the first deploy)."""
    known = cdk_secret_names(stage) | documented_secret_names(stage, service)
    problems = []
    for external in of_kind(docs, "ExternalSecret"):
        for item in external["spec"]["data"]:
            key = item["remoteRef"]["key"]
            if not key.startswith("arn:") and key not in known:
                problems.append(
                    f"{name(external)}: {key} is neither made by the CDK app nor documented"
                )
    return problems
