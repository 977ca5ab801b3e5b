"""docs/configuration.md lists exactly the environment variables the services read.

The names come from the code (``envvars``: django-environ getters, ``os.environ``
and every helper of ours that passes a name on to them); the table's first
column must hold each of them once, and nothing else. The finder itself is
tested on small sources, so that a reader form it missed cannot hide a variable.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from .conftest import ROOT
from .envvars import documented_variables, environment_variables, service_sources

DOC = ROOT / "docs" / "configuration.md"


def _code_variables() -> tuple[set[str], set[str]]:
    found = environment_variables(service_sources(ROOT), ROOT)
    return set(found.names), set(found.patterns)


def test_every_variable_read_is_documented_and_nothing_else() -> None:
    names, patterns = _code_variables()
    rows = list(documented_variables(DOC.read_text().splitlines()))
    documented = set(rows)

    missing = sorted(names - documented)
    assert not missing, f"read by the code, missing from docs/configuration.md: {missing}"
    unmatched = sorted(p for p in patterns if not any(re.fullmatch(p, d) for d in documented))
    assert not unmatched, f"no documented variable matches the pattern(s) {unmatched}"
    stale = sorted(d for d in documented - names if not any(re.fullmatch(p, d) for p in patterns))
    assert not stale, f"in docs/configuration.md but read by no code: {stale}"
    twice = sorted({d for d in rows if rows.count(d) > 1})
    assert not twice, f"listed more than once: {twice}"


def test_the_scan_sees_the_services_and_the_shared_package() -> None:
    files = {str(p.relative_to(ROOT)) for p in service_sources(ROOT)}
    assert "shared/src/pocdex_shared/conf.py" in files
    for service in ("accounts", "pocs", "dojo", "media"):
        assert f"services/{service}/config/settings.py" in files
        assert f"services/{service}/config/settings_test.py" not in files
    assert not any("/tests/" in f for f in files)
    names, _ = _code_variables()
    # One of each reader form in the real code: env.str, required, secret through a
    # module constant loop, database_from_env, os.environ.get, a redis_url default.
    assert {"JWT_ISSUER", "JWKS_URL", "DJANGO_SECRET_KEY", "AWS_ACCESS_KEY_ID"} <= names
    assert {"DATABASE_URL_DOJO", "MEDIA_FONT_DIR", "CACHE_URL", "PUSH_FCM_APPLICATION_ARN"} <= names


def _scan(tmp_path: Path, source: str) -> tuple[set[str], set[str]]:
    path = tmp_path / "services" / "demo" / "config" / "settings.py"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(source))
    found = environment_variables([path], tmp_path)
    return set(found.names), set(found.patterns)


def test_finder_follows_every_reader_form(tmp_path: Path) -> None:
    names, patterns = _scan(
        tmp_path,
        """
        import os
        from environ import Env
        env = Env()
        CREDENTIALS = ("KEY_ONE", "KEY_TWO")

        def required(name, *, local_default=None):
            return env.str(name, default="") or local_default

        def helper(url_var="HELPER_DEFAULT"):
            return required(url_var)

        def by_keyword(*, var):
            return os.getenv(var)

        def loop():
            for name in CREDENTIALS:
                env.str(name, default="")

        A = env.int("PLAIN_INT", default=1)
        B = required("THROUGH_REQUIRED")
        C = helper()
        D = helper("HELPER_GIVEN")
        E = os.environ.get("OS_GET")
        F = os.environ["OS_ITEM"]
        G = by_keyword(var="KEYWORD_ONLY")
        H = {n: required(f"CLIENT_{n.upper()}") for n in ("a", "b")}
        I = required(f"DYNAMIC_{A}")
        J = env("CALLED")
        """,
    )
    assert names == {
        "PLAIN_INT",
        "THROUGH_REQUIRED",
        "HELPER_DEFAULT",
        "HELPER_GIVEN",
        "OS_GET",
        "OS_ITEM",
        "KEYWORD_ONLY",
        "KEY_ONE",
        "KEY_TWO",
        "CLIENT_A",
        "CLIENT_B",
        "CALLED",
    }
    assert patterns == {"DYNAMIC_[A-Z0-9_]+"}


def test_finder_ignores_what_is_not_a_read(tmp_path: Path) -> None:
    names, patterns = _scan(
        tmp_path,
        """
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        os.environ["WRITTEN"] = "1"
        settings = {"get": 1}
        value = settings.get("NOT_ENV")
        if "CHECKED_ONLY" in os.environ:
            pass
        """,
    )
    assert names == set()
    assert patterns == set()


def test_documented_rows_are_the_first_column_of_tables() -> None:
    rows = list(
        documented_variables(
            [
                "| Variable | Read by |",
                "| --- | --- |",
                "| `ONE` | all |",
                "|`TWO`|pocs|",
                "Text naming `THREE` is not a row.",
                "| `lower_case` | not a variable |",
            ]
        )
    )
    assert rows == ["ONE", "TWO"]
