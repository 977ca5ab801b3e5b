"""Each service installs and starts from its own requirements alone.

The development virtualenv (``var/venv``) holds every service's packages at
once, so a package that one service uses but does not list, or a file that
the shared package reads but does not ship, goes unnoticed there. Here each
service gets a virtualenv of its own under ``var/pkgcheck/<service>``, made
from ``services/<service>/requirements.txt`` and a real (not editable)
install of ``shared/``; then Django starts with the service's settings, every
module of the shared package imports, the shared package's data files are
where its code looks for them, and ``manage.py check`` passes.

The virtualenvs are kept and rebuilt only when the requirements (or the
Python version) change; the shared package alone is reinstalled when its
code changes. Cold, the four take a few minutes (package downloads); warm, a
few seconds.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import ROOT, local_env

SHARED = ROOT / "shared"
PACKAGE = SHARED / "src" / "pocdex_shared"
VENVS = ROOT / "var" / "pkgcheck"
SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/manage.py"))
NOT_SOURCE = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.egg-info", "build", "dist", "tests", ".mypy_cache"
)

PROBE = """
import importlib, json, pkgutil, sys
from pathlib import Path
import django
django.setup()
import pocdex_shared
from pocdex_shared import apidocs
modules = [
    info.name
    for info in pkgutil.walk_packages(pocdex_shared.__path__, "pocdex_shared.")
    if not info.name.startswith("pocdex_shared.testing")
]
for name in modules:
    importlib.import_module(name)
package = Path(pocdex_shared.__file__).parent
print(json.dumps({
    "package": str(package),
    "prefix": sys.prefix,
    "modules": len(modules),
    "redoc": apidocs.redoc_script_path().is_file(),
    "catalog": (package / "locale" / "pt_BR" / "LC_MESSAGES" / "django.mo").is_file(),
}))
"""


def _digest(paths: Iterable[Path], *extra: str) -> str:
    digest = hashlib.sha256()
    for item in extra:
        digest.update(item.encode() + b"\0")
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or ".egg-info" in str(file):
                continue
            digest.update(str(file.relative_to(ROOT)).encode() + b"\0")
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _python_version() -> str:
    done = subprocess.run(["python3", "--version"], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _pip(venv: Path, *args: str) -> None:
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"pip install {' '.join(args)}:\n{done.stderr[-3000:]}"


def _shared_copy(into: Path) -> Path:
    """The shared package's source outside the work tree: pip builds in its source
    folder, and a build/ folder in shared/ would count as a code change."""
    target = into / "shared"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(SHARED, target, ignore=NOT_SOURCE)
    return target


def service_venv(service: str) -> Path:
    venv = VENVS / service
    requirements = ROOT / "services" / service / "requirements.txt"
    wanted = _digest([requirements, SHARED / "pyproject.toml"], _python_version())
    shared_wanted = _digest([SHARED / "pyproject.toml", PACKAGE])
    stamp, shared_stamp = venv / ".requirements.sha256", venv / ".shared.sha256"
    with _locked(VENVS / f".{service}.lock"):
        fresh = (venv / "bin" / "python").exists() and stamp.exists()
        if not fresh or stamp.read_text() != wanted:
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run(["python3", "-m", "venv", str(venv)], check=True, timeout=120)
            _pip(venv, "-r", str(requirements), str(_shared_copy(venv)))
            stamp.write_text(wanted)
            shared_stamp.write_text(shared_wanted)
        elif not shared_stamp.exists() or shared_stamp.read_text() != shared_wanted:
            _pip(venv, "--no-deps", "--force-reinstall", str(_shared_copy(venv)))
            shared_stamp.write_text(shared_wanted)
    return venv


def service_env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in local_env().items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PATH"] = f"{venv / 'bin'}:{os.environ['PATH']}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return env


def test_the_shared_package_declares_only_data_that_exists() -> None:
    config = tomllib.loads((SHARED / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["pocdex_shared"]

    missing = [pattern for pattern in patterns if not list(PACKAGE.glob(pattern))]

    assert not missing, f"package data that matches no file: {missing}"


@pytest.mark.parametrize("service", SERVICES)
def test_service_starts_from_its_own_requirements_alone(service: str) -> None:
    venv = service_venv(service)
    env = service_env(venv)
    cwd = ROOT / "services" / service

    probe = subprocess.run(
        [str(venv / "bin" / "python"), "-c", PROBE],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    # The installed copy, not the work tree's shared/src.
    assert found["package"].startswith(str(venv)), found
    assert found["modules"] > 20
    assert found["redoc"], "the API docs' script is not installed with the package"
    assert found["catalog"], "the pt-BR catalog is not installed with the package"

    check = subprocess.run(
        [str(venv / "bin" / "python"), "manage.py", "check"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert check.returncode == 0, check.stderr[-3000:]


def test_this_check_runs_with_the_interpreter_the_services_use() -> None:
    assert sys.version_info[:2] == (3, 11)
