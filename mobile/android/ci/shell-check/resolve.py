#!/usr/bin/env python3
"""Resolves the compile classpath of the Android shell the way Gradle does, for check-shell.sh.

Reads Gradle module metadata (.module, POM when a library publishes none), picks the Android (else
JVM) API variant, follows "available-at", and keeps the highest requested version of every module
(dependency constraints and platforms included), like Gradle's conflict resolution. Downloads the
chosen files (aar/jar) into a cache laid out like a Maven repository and prints their paths.

Usage: resolve.py [--runtime|--tool] CACHE_DIR group:module[:version] [...]   (a "platform:" prefix imports a BOM,
whose versions apply to the modules named without one)
"""

import json
import re
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

REPOS = ["https://dl.google.com/dl/android/maven2", "https://repo.maven.apache.org/maven2"]
NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def version_key(v: str):
    parts = re.split(r"[.\-]", v)
    key = []
    for p in parts:
        if p.isdigit():
            key.append((2, int(p), ""))
        else:
            # alpha < beta < rc < (release)
            order = {"alpha": 0, "beta": 0.5, "rc": 1}
            m = re.match(r"([a-zA-Z]+)(\d*)", p)
            if m and m.group(1).lower() in order:
                key.append((1, order[m.group(1).lower()], m.group(2).zfill(4)))
            else:
                key.append((0, 0, p))
    return key


def newest(a: str, b: str) -> str:
    return a if version_key(a) >= version_key(b) else b


class Repo:
    def __init__(self, cache: Path):
        self.cache = cache

    def path(self, group, module, version, name):
        return f"{group.replace('.', '/')}/{module}/{version}/{name}"

    def get(self, rel: str):
        local = self.cache / rel
        missing = self.cache / (rel + ".missing")
        if local.exists():
            return local
        if missing.exists():
            return None
        for base in REPOS:
            try:
                with urllib.request.urlopen(f"{base}/{rel}", timeout=60) as answer:
                    data = answer.read()
            except urllib.error.HTTPError as e:
                if e.code == 404:
                    continue
                raise
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(data)
            return local
        missing.parent.mkdir(parents=True, exist_ok=True)
        missing.write_text("")
        return None


USAGES = ("java-api", "kotlin-api")
ANDROID_FIRST = True


def pick_variant(variants):
    """The API variant (runtime with --runtime) for an Android app: android first, then plain JVM."""

    def score(v):
        a = v.get("attributes", {})
        if a.get("org.gradle.category") not in (None, "library"):
            return -1
        if a.get("org.gradle.usage") not in USAGES:
            return -1
        if a.get("org.gradle.docstype") or "sources" in v["name"].lower():
            return -1
        platform = a.get("org.jetbrains.kotlin.platform.type")
        env = a.get("org.gradle.jvm.environment")
        if platform == "androidJvm" or env == "android":
            return 3 if ANDROID_FIRST else 0
        if platform in (None, "jvm") and env in (None, "standard-jvm"):
            return 2 if platform == "jvm" or a.get("org.gradle.libraryelements") else 1
        return -1

    ranked = sorted(((score(v), i, v) for i, v in enumerate(variants)), key=lambda t: (-t[0], t[1]))
    return ranked[0][2] if ranked and ranked[0][0] >= 0 else None


def requested(version_obj):
    if not version_obj:
        return None
    for k in ("strictly", "requires", "prefers"):
        if version_obj.get(k):
            return version_obj[k].strip("[]")
    return None


def describe(repo: Repo, group, module, version):
    """(dependencies, constraints, files) of one module version."""
    meta = repo.get(repo.path(group, module, version, f"{module}-{version}.module"))
    if meta:
        doc = json.loads(meta.read_text())
        variant = pick_variant(doc.get("variants", []))
        if variant is None:
            return [], [], []
        if "available-at" in variant:
            at = variant["available-at"]
            return [(at["group"], at["module"], at["version"])], [], []
        deps = [
            (d["group"], d["module"], requested(d.get("version")))
            for d in variant.get("dependencies", [])
            if requested(d.get("version"))
        ]
        cons = [
            (d["group"], d["module"], requested(d.get("version")))
            for d in variant.get("dependencyConstraints", [])
            if requested(d.get("version"))
        ]
        files = [(f["url"], f["name"]) for f in variant.get("files", [])]
        return deps, cons, files
    pom = repo.get(repo.path(group, module, version, f"{module}-{version}.pom"))
    if not pom:
        raise SystemExit(f"not found: {group}:{module}:{version}")
    root = ET.fromstring(pom.read_text())
    own_group = root.findtext("m:groupId", namespaces=NS) or root.findtext("m:parent/m:groupId", namespaces=NS) or group
    props = {"project.version": version, "project.groupId": own_group, "pom.groupId": own_group}
    for prop in root.findall("m:properties/*", NS):
        props[prop.tag.split("}")[-1]] = (prop.text or "").strip()

    def text(node, tag, default=""):
        value = node.findtext(f"m:{tag}", default=default, namespaces=NS)
        return re.sub(r"\$\{([^}]+)\}", lambda m: props.get(m.group(1), m.group(0)), value)

    packaging = text(root, "packaging", "jar")
    deps, cons = [], []
    for d in root.findall("m:dependencies/m:dependency", NS):
        scopes = ("compile", "runtime") if USAGES[0] == "java-runtime" else ("compile",)
        if text(d, "scope", "compile") not in scopes or text(d, "optional", "false") == "true":
            continue
        v = text(d, "version").strip("[]")
        g, a = text(d, "groupId"), text(d, "artifactId")
        if v and "$" not in v + g + a:
            deps.append((g, a, v))
    for d in root.findall("m:dependencyManagement/m:dependencies/m:dependency", NS):
        v = text(d, "version").strip("[]")
        if v and "$" not in v:
            cons.append((text(d, "groupId"), text(d, "artifactId"), v))
    ext = "aar" if packaging == "aar" else "jar"
    files = [] if packaging == "pom" else [(f"{module}-{version}.{ext}", f"{module}-{version}.{ext}")]
    return deps, cons, files


def main():
    global USAGES, ANDROID_FIRST
    args = sys.argv[1:]
    if args and args[0] in ("--runtime", "--tool"):
        # What runs: implementation dependencies too, not only what code compiles against.
        USAGES = ("java-runtime", "kotlin-runtime")
        # A tool runs on the desktop JVM (Guava's jre flavor, not its android one).
        ANDROID_FIRST = args[0] == "--runtime"
        args = args[1:]
    sys.argv[1:] = args
    cache = Path(sys.argv[1])
    repo = Repo(cache)
    roots, platforms = [], []
    for spec in sys.argv[2:]:
        if spec.startswith("platform:"):
            platforms.append(tuple(spec[len("platform:"):].split(":")))
        else:
            roots.append(tuple(spec.split(":")))
    wanted = {}  # (group, module) -> highest requested version
    for g, m, v in platforms:
        _, cons, _ = describe(repo, g, m, v)
        for cg, cm, cv in cons:
            wanted[(cg, cm)] = newest(wanted.get((cg, cm), cv), cv)
    constraints = dict(wanted)
    reachable = set()
    for root in roots:
        g, m = root[0], root[1]
        # Without a version, the platform (BOM) gives it, as in `implementation(libs.x)` under a BOM.
        v = root[2] if len(root) > 2 else constraints[(g, m)]
        wanted[(g, m)] = newest(wanted.get((g, m), v), v)
        reachable.add((g, m))
    done = {}
    changed = True
    while changed:
        changed = False
        for key in sorted(reachable):
            version = wanted[key]
            if done.get(key) == version:
                continue
            done[key] = version
            deps, cons, _ = describe(repo, key[0], key[1], version)
            for g, m, v in cons:
                constraints[(g, m)] = newest(constraints.get((g, m), v), v)
                if (g, m) in reachable and newest(wanted[(g, m)], v) != wanted[(g, m)]:
                    wanted[(g, m)] = v
                    changed = True
            for g, m, v in deps:
                v = newest(v, constraints.get((g, m), v))
                if (g, m) not in reachable:
                    reachable.add((g, m))
                    wanted[(g, m)] = v
                    changed = True
                elif newest(wanted[(g, m)], v) != wanted[(g, m)]:
                    wanted[(g, m)] = v
                    changed = True
    for key in sorted(reachable):
        _, _, files = describe(repo, key[0], key[1], wanted[key])
        for url, name in files:
            if not (name.endswith(".jar") or name.endswith(".aar")):
                continue
            got = repo.get(repo.path(key[0], key[1], wanted[key], url))
            if got is None:
                raise SystemExit(f"missing file {url} of {key[0]}:{key[1]}:{wanted[key]}")
            print(f"{key[0]}:{key[1]}:{wanted[key]}\t{got}")


if __name__ == "__main__":
    main()
