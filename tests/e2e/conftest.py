from __future__ import annotations

import pytest
import requests

from pocdex_shared.testing.gateway import Gateway, gateway_url
from pocdex_shared.testing.mail import Mailbox, code_from_mail

__all__ = ["Gateway", "Mailbox", "code_from_mail"]

GATEWAY = gateway_url()
DEMO_PASSWORD = "pocdex-demo-2026"


@pytest.fixture(scope="session")
def gateway() -> Gateway:
    try:
        requests.get(GATEWAY + "/healthz/accounts", timeout=5).raise_for_status()
    except requests.RequestException as exc:  # the platform must be running: make run
        pytest.fail(f"the platform is not running at {GATEWAY}: {exc}")
    return Gateway()


@pytest.fixture(scope="session")
def mailbox() -> Mailbox:
    return Mailbox()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fuzz tests go last: they use up the throttles of the public routes."""
    items.sort(key=lambda item: item.get_closest_marker("fuzz") is not None)
