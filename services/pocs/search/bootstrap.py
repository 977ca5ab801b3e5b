"""Fine-grained access control of the Amazon OpenSearch Service domain, for pocs.

pocs signs its requests with its pod's IAM role (SigV4). The domain's security
plugin knows that role only once a role of the plugin is mapped to it as a
*backend role*. ``ensure_pocs_access`` creates the plugin role ``pocs`` (what
pocs does: read and write its index and aliases ``pocs*``, bulk requests) and
maps it to the IAM role, through the security REST API as the domain's master
user. It reads before it writes and only sends what differs, so it is run on
every deploy (a Helm hook) and a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

API = "_plugins/_security/api"

#: The plugin role pocs is mapped to.
ROLE_NAME = "pocs"
ROLE: dict[str, Any] = {
    "cluster_permissions": ["cluster_composite_ops", "cluster_monitor"],
    "index_permissions": [
        {
            "index_patterns": ["pocs*"],
            "allowed_actions": ["crud", "manage"],
        }
    ],
}


class BootstrapError(RuntimeError):
    pass


@dataclass
class BootstrapResult:
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _url(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), API, *(quote(p, safe="") for p in parts)])


def _get(session: requests.Session, url: str, timeout: float) -> dict[str, Any] | None:
    response = session.get(url, timeout=timeout)
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise BootstrapError(f"GET {url}: {response.status_code} {response.text[:200]}")
    body: dict[str, Any] = response.json()
    return body


def _put(session: requests.Session, url: str, body: dict[str, Any], timeout: float) -> None:
    response = session.put(url, json=body, timeout=timeout)
    if response.status_code not in (200, 201):
        raise BootstrapError(f"PUT {url}: {response.status_code} {response.text[:200]}")


def _same_role(current: dict[str, Any]) -> bool:
    return all(current.get(key) == value for key, value in ROLE.items())


def ensure_pocs_access(
    endpoint: str,
    *,
    role_arn: str,
    username: str,
    password: str,
    ca_bundle: str = "",
    timeout: float = 30.0,
) -> BootstrapResult:
    """Make the plugin role ``pocs`` and its mapping to ``role_arn`` what pocs needs."""
    if not role_arn.startswith("arn:aws") or ":role/" not in role_arn:
        raise BootstrapError(f"{role_arn!r} is not an IAM role ARN")
    result = BootstrapResult()
    with requests.Session() as session:
        session.auth = (username, password)
        session.verify = ca_bundle or True
        session.headers["Content-Type"] = "application/json"

        role_url = _url(endpoint, "roles", ROLE_NAME)
        current = (_get(session, role_url, timeout) or {}).get(ROLE_NAME)
        if current is not None and _same_role(current):
            result.unchanged.append(f"role {ROLE_NAME}")
        else:
            _put(session, role_url, ROLE, timeout)
            result.changed.append(f"role {ROLE_NAME}")

        mapping_url = _url(endpoint, "rolesmapping", ROLE_NAME)
        mapping = (_get(session, mapping_url, timeout) or {}).get(ROLE_NAME) or {}
        backend_roles = list(mapping.get("backend_roles", []))
        if role_arn in backend_roles:
            result.unchanged.append(f"mapping {ROLE_NAME} -> {role_arn}")
        else:
            # Keep whatever else is mapped (an operator's user, another backend role).
            body = {
                "backend_roles": [*backend_roles, role_arn],
                "users": list(mapping.get("users", [])),
                "hosts": list(mapping.get("hosts", [])),
            }
            _put(session, mapping_url, body, timeout)
            result.changed.append(f"mapping {ROLE_NAME} -> {role_arn}")
    return result
