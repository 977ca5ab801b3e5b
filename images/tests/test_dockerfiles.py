"""Static rules of the four service Dockerfiles (images/dockerfile_rules.py), and checkov.

Each rule is also shown to fail on a Dockerfile text that breaks it, so a checker that
accepted everything would not pass.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from dockerfile_rules import apt_packages, parse, problems

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["accounts", "dojo", "media", "pocs"]

GOOD = """\
ARG BASE_IMAGE=pocdex-base:bookworm
FROM ${BASE_IMAGE} AS builder
RUN apt-get update && apt-get install -y --no-install-recommends gcc python3-venv \\
    && rm -rf /var/lib/apt/lists/*
RUN --mount=type=secret,id=ca python3 -m venv /opt/venv \\
    && /opt/venv/bin/pip install --require-hashes --no-deps -r /build/requirements.lock
RUN /opt/venv/bin/pip install --no-deps --no-index /build/wheels/pocdex_shared-0.1.0-py3-none-any.whl
FROM ${BASE_IMAGE} AS runtime
# a comment with the word latest in it is fine
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
USER 10001:10001
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
LABEL org.opencontainers.image.source="${SOURCE}" \\
      org.opencontainers.image.revision="${REVISION}" \\
      org.opencontainers.image.version="${VERSION}" \\
      org.opencontainers.image.created="${CREATED}" \\
      org.opencontainers.image.title="pocdex-pocs" \\
      org.opencontainers.image.licenses="LicenseRef-Proprietary"
"""


def dockerfile(service: str) -> str:
    return (ROOT / "services" / service / "Dockerfile").read_text()


@pytest.mark.parametrize("service", SERVICES)
def test_service_dockerfile_follows_every_rule(service: str) -> None:
    assert problems(dockerfile(service), service) == []


def test_the_reference_text_follows_every_rule() -> None:
    assert problems(GOOD, "pocs") == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("ARG BASE_IMAGE=pocdex-base:bookworm\n", "", "no ARG BASE_IMAGE before the first FROM"),
        ("USER 10001:10001", "USER root", "final USER root: it must be a numeric, non-root uid"),
        ("USER 10001:10001", "USER 0", "final USER 0: it must be a numeric, non-root uid"),
        ("USER 10001:10001\n", "", "the final stage has no USER"),
        ("WORKDIR /app\n", "", "the final stage's WORKDIR is not /app"),
        (
            "CMD [",
            "HEALTHCHECK CMD curl -f http://127.0.0.1:8000/healthz\nCMD [",
            "line 14: HEALTHCHECK (the chart's probes decide health)",
        ),
        (
            '      org.opencontainers.image.licenses="LicenseRef-Proprietary"\n',
            "",
            "no org.opencontainers.image.licenses label in the final stage",
        ),
        (
            " --require-hashes --no-deps -r",
            " --no-deps -r",
            "line 5: pip install without --require-hashes (or --no-index for a wheel built here)",
        ),
        (
            "FROM ${BASE_IMAGE} AS runtime",
            "FROM python:3.11-slim AS runtime",
            "FROM python:3.11-slim: every stage starts from ${BASE_IMAGE} or a stage",
        ),
        (
            "ARG BASE_IMAGE=pocdex-base:bookworm",
            "ARG BASE_IMAGE=pocdex-base:latest",
            "line 1: 'latest' (tags are immutable and explicit)",
        ),
        (
            "WORKDIR /app",
            "ADD https://example.com/tool.tar.gz /opt/\nWORKDIR /app",
            "line 12: ADD of a remote URL (nothing unpinned is fetched)",
        ),
        (
            "WORKDIR /app",
            "COPY ca-certificates.crt /etc/ssl/certs/\nWORKDIR /app",
            "line 12: a certificate or key copied into a layer",
        ),
        (
            "ffmpeg fonts-dejavu-core",
            "ffmpeg gcc libpq-dev",
            "line 10: build tools in the final stage: gcc, libpq-dev",
        ),
        (
            "COPY --from=builder /opt/venv /opt/venv",
            "RUN /opt/venv/bin/pip install --require-hashes -r /r.lock",
            "line 11: pip runs in the final stage",
        ),
        (
            '["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]',
            "gunicorn config.wsgi:application --bind 0.0.0.0:8000",
            "the default CMD does not start gunicorn (exec form)",
        ),
        ("0.0.0.0:8000", "0.0.0.0:9000", "the default CMD does not serve on port 8000"),
    ],
)
def test_a_broken_rule_is_reported(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    assert expected in problems(GOOD.replace(old, new), "pocs")


def test_a_single_stage_dockerfile_is_reported() -> None:
    single = GOOD.split("FROM ${BASE_IMAGE} AS runtime\n")[1]
    text = "ARG BASE_IMAGE=pocdex-base:bookworm\nFROM ${BASE_IMAGE}\n" + single
    found = problems(text, "pocs")
    assert "not multi-stage: a builder stage and a final stage are needed" in found
    assert "no pip install --require-hashes" in found


def test_dojo_serves_with_daphne() -> None:
    assert "the default CMD does not start daphne (exec form)" in problems(GOOD, "dojo")


def test_parser_joins_continued_lines_and_skips_comments() -> None:
    preamble, stages = parse(GOOD)
    assert [i.keyword for i in preamble] == ["ARG"]
    assert [(s.base, s.name) for s in stages] == [
        ("${BASE_IMAGE}", "builder"),
        ("${BASE_IMAGE}", "runtime"),
    ]
    first_run = stages[0].instructions[0]
    assert first_run.line == 3
    assert apt_packages(first_run.args) == ["gcc", "python3-venv"]


def test_media_final_stage_has_ffmpeg_and_fonts_and_no_build_tool() -> None:
    _preamble, stages = parse(dockerfile("media"))
    final_packages = [
        p for i in stages[-1].instructions if i.keyword == "RUN" for p in apt_packages(i.args)
    ]
    assert sorted(final_packages) == ["ffmpeg", "fonts-dejavu-core"]


# --- checkov --------------------------------------------------------------------------
# The same virtualenv as cdk/test.sh (var/cdk-venv/checkov, cdk/requirements-checkov.txt),
# made here with the same stamp when it is missing, so the infra suite reuses it.


def checkov() -> Path:
    requirements = ROOT / "cdk" / "requirements-checkov.txt"
    venv = ROOT / "var" / "cdk-venv" / "checkov"
    stamp = venv / f".installed-{hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]}"
    if not stamp.is_file():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run(
            [shutil.which("python3") or sys.executable, "-m", "venv", str(venv)], check=True
        )
        pip = str(venv / "bin" / "pip")
        subprocess.run([pip, "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([pip, "install", "-q", "-r", str(requirements)], check=True)
        stamp.touch()
    return venv / "bin" / "checkov"


def test_checkov_finds_nothing_unexplained_in_the_dockerfiles() -> None:
    files = [f"services/{s}/Dockerfile" for s in SERVICES]
    args = [str(checkov()), "--compact", "--skip-download", "--framework", "dockerfile"]
    args += [arg for f in files for arg in ("-f", f)] + ["--output", "json"]
    done = subprocess.run(
        args,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LOG_LEVEL": "ERROR"},
    )
    report = json.loads(done.stdout)
    summary = report["summary"] if isinstance(report, dict) else report[0]["summary"]
    results = report["results"] if isinstance(report, dict) else report[0]["results"]
    failed = [(c["check_id"], c["file_path"]) for c in results.get("failed_checks", [])]
    skipped = sorted({c["check_id"] for c in results.get("skipped_checks", [])})
    print(json.dumps(summary), file=sys.stderr)
    assert failed == []
    # The acknowledged findings (images/README.md): no HEALTHCHECK, the base is a build argument.
    assert skipped == ["CKV_DOCKER_2", "CKV_DOCKER_7"]
    assert summary["passed"] > 100


# --- the RDS certificate authorities -----------------------------------------------------


def rds_bundle_path_in_shared_code() -> str:
    """Where pocdex_shared.tls expects the bundle (read from its source: the contract)."""
    source = (ROOT / "shared" / "src" / "pocdex_shared" / "tls.py").read_text()
    match = re.search(r'^RDS_CA_BUNDLE_PATH = "([^"]+)"', source, re.MULTILINE)
    assert match, "pocdex_shared.tls no longer names RDS_CA_BUNDLE_PATH"
    return match.group(1)


@pytest.mark.parametrize("service", SERVICES)
def test_final_stage_ships_the_rds_bundle_where_the_settings_read_it(service: str) -> None:
    _preamble, stages = parse(dockerfile(service))
    copies = [i.args.split() for i in stages[-1].instructions if i.keyword == "COPY"]
    expected = ["images/certs/rds-global-bundle.pem", rds_bundle_path_in_shared_code()]
    assert expected in copies


def test_only_the_public_rds_bundle_may_be_copied() -> None:
    allowed = GOOD.replace(
        "WORKDIR /app",
        "COPY images/certs/rds-global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem\nWORKDIR /app",
    )
    other = allowed.replace("images/certs/rds-global-bundle.pem /", "images/certs/build-ca.pem /")
    assert problems(allowed, "pocs") == []
    assert "line 12: a certificate or key copied into a layer" in problems(other, "pocs")


def test_rds_bundle_holds_the_current_amazon_rds_authorities_of_the_stage_region() -> None:
    text = (ROOT / "images" / "certs" / "rds-global-bundle.pem").read_bytes()
    certs = x509.load_pem_x509_certificates(text)
    names = {
        str(c.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value): c for c in certs
    }
    assert len(certs) == len(names) > 50
    for name, cert in names.items():
        assert name.startswith("Amazon RDS"), name
        assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca, name
    now = datetime.now(UTC)
    for kind in ("RSA2048", "RSA4096", "ECC384"):
        root = names[f"Amazon RDS sa-east-1 Root CA {kind} G1"]  # the stages' region
        assert root.not_valid_before_utc < now < root.not_valid_after_utc
