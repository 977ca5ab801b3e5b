"""Each service's requirements.lock covers its requirements.txt and the shared package."""

from __future__ import annotations

import pytest
from locks import ROOT, coverage_problems, read_lock, service_problems
from packaging.requirements import Requirement

SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/Dockerfile"))

LOCK = """\
# a header comment
django==5.2.9 \\
    --hash=sha256:aaaa \\
    --hash=sha256:bbbb
    # via -r services/x/requirements.txt
celery==5.5.3 \\
    --hash=sha256:cccc
"""


def test_the_four_services_have_images() -> None:
    assert SERVICES == ["accounts", "dojo", "media", "pocs"]


@pytest.mark.parametrize("service", SERVICES)
def test_lock_covers_requirements_and_shared_package(service: str) -> None:
    assert service_problems(service) == [], f"run images/lock.sh {service}"


@pytest.mark.parametrize("service", SERVICES)
def test_lock_pins_every_distribution_with_hashes(service: str) -> None:
    pins, problems = read_lock((ROOT / "services" / service / "requirements.lock").read_text())
    assert problems == []
    assert {"django", "celery", "psycopg", "gunicorn" if service != "dojo" else "daphne"} <= set(
        pins
    )


def test_a_covering_lock_passes() -> None:
    wanted = [Requirement("Django>=5.2,<5.3"), Requirement("celery[redis]>=5.4,<6")]
    assert coverage_problems(LOCK, wanted) == []


def test_a_requirement_missing_from_the_lock_is_reported() -> None:
    problems = coverage_problems(LOCK, [Requirement("boto3>=1.35,<2")])
    assert problems == ["boto3<2,>=1.35 is not in the lock"]


def test_a_locked_version_outside_the_range_is_reported() -> None:
    problems = coverage_problems(LOCK, [Requirement("Django>=5.3")])
    assert problems == ["Django>=5.3 does not allow the locked django==5.2.9"]


def test_a_pin_without_hash_and_a_double_pin_are_reported() -> None:
    text = LOCK + "redis==6.4.0\ndjango==5.2.9 \\\n    --hash=sha256:dddd\n"
    _pins, problems = read_lock(text)
    assert problems == ["django is pinned twice", "redis==6.4.0 has no hash"]


def test_a_pin_for_another_interpreter_is_left_out() -> None:
    text = (
        "cbor2==5.9.0 ; platform_python_implementation == 'PyPy' \\\n    --hash=sha256:eeee\n"
        "cbor2==6.3.0 ; platform_python_implementation != 'PyPy' \\\n    --hash=sha256:ffff\n"
    )
    pins, problems = read_lock(text)
    assert (pins, problems) == ({"cbor2": "6.3.0"}, [])


def test_an_unpinned_line_is_reported() -> None:
    _pins, problems = read_lock("requests>=2.32\n")
    assert problems == ["not a pin with hashes: requests>=2.32"]
