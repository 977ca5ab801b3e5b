"""Reads services/<svc>/requirements.lock and checks it against what it locks.

A lock covers a service when every requirement of its requirements.txt and of the shared
package (shared/pyproject.toml) is pinned in it, with a version the requirement allows, every
pin carries at least one hash, and nothing is pinned twice.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)\s*(?:;([^\\]*))?")

#: The images' interpreter: Debian 12's CPython 3.11 on Linux (x86_64 here, arm64 on EKS).
TARGET = {
    "python_version": "3.11",
    "python_full_version": "3.11.2",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "platform_machine": "x86_64",
}


def requirements_txt(path: Path) -> list[Requirement]:
    found = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            found.append(Requirement(line))
    return found


def shared_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "shared" / "pyproject.toml").read_text())["project"]
    return [Requirement(item) for item in project["dependencies"]]


def read_lock(text: str) -> tuple[dict[str, str], list[str]]:
    """({canonical name: version}, problems) of a hashed lock file.

    A pin whose environment marker excludes the images' interpreter (``; platform_python_implementation
    == 'PyPy'`` in a universal lock) is not installed there and is left out.
    """
    pins: dict[str, str] = {}
    problems: list[str] = []
    current: str | None = None
    hashes: dict[str, int] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _PIN.match(line)
        if match:
            marker = (match.group(4) or "").strip()
            if marker and not Marker(marker).evaluate(TARGET):
                current = None
                continue
            current = canonicalize_name(match.group(1))
            if current in pins:
                problems.append(f"{current} is pinned twice")
            pins[current] = match.group(3)
            hashes[current] = 0
        elif line.startswith("--hash=sha256:"):
            if current is not None:
                hashes[current] += 1
        else:
            problems.append(f"not a pin with hashes: {line}")
    problems += [f"{name}=={pins[name]} has no hash" for name, n in hashes.items() if n == 0]
    return pins, problems


def coverage_problems(lock_text: str, requirements: list[Requirement]) -> list[str]:
    pins, problems = read_lock(lock_text)
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        if requirement.marker is not None and not requirement.marker.evaluate(TARGET):
            continue
        if name not in pins:
            problems.append(f"{requirement} is not in the lock")
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{requirement} does not allow the locked {name}=={pins[name]}")
    return problems


def service_problems(service: str) -> list[str]:
    folder = ROOT / "services" / service
    lock = folder / "requirements.lock"
    if not lock.is_file():
        return [f"no services/{service}/requirements.lock (images/lock.sh {service})"]
    wanted = requirements_txt(folder / "requirements.txt") + shared_requirements()
    return coverage_problems(lock.read_text(), wanted)
