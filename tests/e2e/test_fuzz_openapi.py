"""Generated requests against every operation of every service: never a server error.

Schemathesis reads each service's OpenAPI schema through the gateway and sends,
for every operation, examples that follow the schema and examples that break
it (wrong types, missing fields, values out of range, odd strings), as the
owner of a fresh organization. The one check is that no answer is a 5xx: bad
input must get a coded 4xx, an unknown id a 404. The seed is fixed, so a run
is repeatable; the failures name the request that reproduces them.

These run after every other end-to-end test (``conftest.py``): they hit the
throttled public routes (log in, sign up) often enough to make a journey that
followed them wait.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import GATEWAY, Gateway

SERVICES = ["accounts", "pocs", "dojo", "media"]
EXAMPLES = int(os.environ.get("POCDEX_FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("POCDEX_FUZZ_SEED", "2026"))
ST = Path(sys.executable).with_name("st")

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="module")
def owner_token() -> str:
    gateway = Gateway()
    owner = gateway.signup(organization_name="Fuzz")
    access = str(owner["tokens"]["access"])
    gateway.wait_active(access)
    for path in ("/api/v1/pocs", "/api/v1/dojos", "/api/v1/reports"):
        gateway.wait_served(access, path)
    return access


def run_schemathesis(service: str, token: str, report_dir: Path) -> dict[str, Any]:
    report = report_dir / f"{service}.json"
    done = subprocess.run(
        [
            str(ST),
            "run",
            f"{GATEWAY}/api/schema/{service}",
            f"--url={GATEWAY}",
            f"--header=Authorization: Bearer {token}",
            "--checks=not_a_server_error",
            f"--max-examples={EXAMPLES}",
            f"--seed={SEED}",
            "--workers=2",
            "--request-timeout=20",
            "--report=json",
            f"--report-json-path={report}",
            "--no-color",
        ],
        cwd=report_dir,  # where schemathesis keeps its own state
        capture_output=True,
        text=True,
        timeout=300,  # about 20 s a service here
        check=False,
    )
    assert report.exists(), f"schemathesis wrote no report:\n{done.stdout[-3000:]}{done.stderr}"
    data: dict[str, Any] = json.loads(report.read_text())
    data["_output"] = done.stdout
    return data


@pytest.mark.parametrize("service", SERVICES)
def test_no_generated_request_gets_a_server_error(
    service: str, owner_token: str, tmp_path: Path
) -> None:
    report = run_schemathesis(service, owner_token, tmp_path)

    operations = report["operations"]
    assert operations["selected"] > 0, "no operation in the schema"
    assert report["test_cases"]["generated"] >= operations["selected"], report["test_cases"]
    # The only check is "not a server error": every failure is a 5xx answer.
    assert not report["failures"], (
        f"{len(report['failures'])} requests got a server error:\n" + report["_output"][-6000:]
    )
    # Crashes of the tool itself (not answers of the platform) are shown, not hidden.
    if report["errors"]:
        print(f"{service}: schemathesis could not test {len(report['errors'])} operations")
    assert operations["tested"] + len(report["errors"]) >= operations["selected"]
