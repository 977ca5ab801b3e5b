"""Every user-facing text has its Portuguese (Brazil) translation, compiled.

For shared/ and each service, Django's ``makemessages`` extracts the marked
texts of a copy of the code into a copy of its ``pt_BR`` catalog (as a
developer would before committing). The merged catalog must then have no
untranslated and no fuzzy entry: a text marked in the code but missing from
the catalog, or left empty there, fails here with its ``msgid``. The committed
``django.mo`` must hold exactly what its ``django.po`` says, since the
services read the ``.mo`` files.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

VENV_BIN = ROOT / "var" / "venv" / "bin"
CATALOG = Path("locale") / "pt_BR" / "LC_MESSAGES"
SERVICES = sorted(path for path in (ROOT / "services").iterdir() if (path / "manage.py").exists())
PROJECTS = [ROOT / "shared" / "src" / "pocdex_shared", *SERVICES]
NOT_CODE = shutil.ignore_patterns(
    "tests", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "*.mo"
)


def _ids(projects: list[Path]) -> list[str]:
    return [str(path.relative_to(ROOT)) for path in projects]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def _entries(po: Path, *flags: str) -> list[str]:
    """The msgids ``msgattrib`` keeps from ``po`` with ``flags`` (header left out)."""
    done = _run(["msgattrib", *flags, "--no-wrap", str(po)], po.parent)
    assert done.returncode == 0, done.stderr
    return [m for m in re.findall(r'^msgid "(.*)"$', done.stdout, flags=re.M) if m]


@pytest.mark.parametrize("project", PROJECTS, ids=_ids(PROJECTS))
def test_every_marked_text_is_translated(project: Path, tmp_path: Path) -> None:
    assert (project / CATALOG / "django.po").is_file(), "no pt_BR catalog"
    copy = tmp_path / project.name
    shutil.copytree(project, copy, ignore=NOT_CODE)
    done = _run(
        [str(VENV_BIN / "django-admin"), "makemessages", "-l", "pt_BR", "--no-obsolete"],
        copy,
    )
    assert done.returncode == 0, done.stderr
    merged = copy / CATALOG / "django.po"
    untranslated = _entries(merged, "--untranslated")
    fuzzy = _entries(merged, "--only-fuzzy")
    assert not untranslated, f"texts without a pt_BR translation: {untranslated}"
    assert not fuzzy, f"fuzzy (unchecked) pt_BR translations: {fuzzy}"


@pytest.mark.parametrize("project", PROJECTS, ids=_ids(PROJECTS))
def test_compiled_catalog_matches_its_source(project: Path, tmp_path: Path) -> None:
    source = project / CATALOG / "django.po"
    compiled = tmp_path / "django.mo"
    done = _run(["msgfmt", "--check-format", "-o", str(compiled), str(source)], tmp_path)
    assert done.returncode == 0, done.stderr
    with compiled.open("rb") as fresh, (project / CATALOG / "django.mo").open("rb") as committed:
        expected = gettext.GNUTranslations(fresh)._catalog  # type: ignore[attr-defined]
        actual = gettext.GNUTranslations(committed)._catalog  # type: ignore[attr-defined]
    stale = sorted(
        str(key) for key in expected.keys() | actual.keys() if expected.get(key) != actual.get(key)
    )
    assert not stale, f"django.mo differs from django.po (run compilemessages): {stale[:10]}"
