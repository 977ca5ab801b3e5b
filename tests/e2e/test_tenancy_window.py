"""Through the gateway, with the real services: the onboarding window and revocation.

* Once accounts' ``/api/v1/me`` says ``active``, pocs, dojo and media serve the
  organization on the very first call (no ``tenant_unknown``, no
  ``tenant_not_ready``): on a miss they ask accounts.
* After a logout, the session's access token is refused by every service
  (``401 token_revoked``) within moments, through the ``tokens.revoked`` event;
  another person's token keeps working.
"""

from __future__ import annotations

import time
from typing import Any

# One cheap authenticated list per service behind the gateway.
SERVICE_PATHS = {"pocs": "/api/v1/pocs", "dojo": "/api/v1/dojos", "media": "/api/v1/reports"}
REVOCATION_DEADLINE_SECONDS = 15.0


def test_every_service_serves_an_organization_on_the_first_call_once_me_says_active(
    gateway: Any,
) -> None:
    for _ in range(3):
        org = gateway.signup()
        access = org["tokens"]["access"]
        gateway.wait_active(access)
        answers = {name: gateway.get(path, access) for name, path in SERVICE_PATHS.items()}
        assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(
            SERVICE_PATHS, 200
        ), {name: r.text for name, r in answers.items()}


def _refused_everywhere(gateway: Any, access: str) -> dict[str, str]:
    """Poll each service until it refuses ``access``; what each finally answered."""
    deadline = time.monotonic() + REVOCATION_DEADLINE_SECONDS
    codes: dict[str, str] = {}
    for name, path in SERVICE_PATHS.items():
        while True:
            response = gateway.get(path, access)
            if response.status_code == 401:
                codes[name] = response.json()["error"]["code"]
                assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
                break
            assert response.status_code == 200, response.text
            assert time.monotonic() < deadline, f"{name} still serves a revoked token"
            time.sleep(0.05)
    return codes


def test_a_logged_out_access_token_is_refused_by_every_service_and_others_are_not(
    gateway: Any,
) -> None:
    leaving, staying = gateway.signup(), gateway.signup()
    access, other = leaving["tokens"]["access"], staying["tokens"]["access"]
    for token in (access, other):
        gateway.wait_active(token)
        for path in SERVICE_PATHS.values():
            gateway.wait_served(token, path)

    logout = gateway.post("/api/v1/auth/logout", {"refresh": leaving["tokens"]["refresh"]})
    assert logout.status_code == 204, logout.text

    assert _refused_everywhere(gateway, access) == dict.fromkeys(SERVICE_PATHS, "token_revoked")
    assert gateway.get("/api/v1/me", access).json()["error"]["code"] == "token_revoked"
    for path in SERVICE_PATHS.values():
        assert gateway.get(path, other).status_code == 200
