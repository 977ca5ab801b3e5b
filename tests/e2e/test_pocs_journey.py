"""Issue 3's journey through the gateway: register POCs, find them with typos, filter, facets."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import requests


def search_until(
    gateway: Any, token: str, params: dict[str, Any], predicate: Any, timeout: float = 20.0
) -> dict[str, Any]:
    """Indexing is asynchronous (after commit, through the worker): wait for it."""
    deadline = time.monotonic() + timeout
    while True:
        response = gateway.get("/api/v1/search/pocs", token, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        if predicate(body) or time.monotonic() > deadline:
            return dict(body)
        time.sleep(0.3)


def wait_pocs_ready(gateway: Any, token: str, timeout: float = 20.0) -> None:
    gateway.wait_served(token, "/api/v1/pocs", timeout)


def test_a_member_registers_pocs_and_finds_them_with_a_typo_filters_and_facets(gateway):
    org = gateway.signup(organization_name="Busca Ltda")
    token = org["tokens"]["access"]
    gateway.wait_active(token)
    wait_pocs_ready(gateway, token)
    created = []
    for body in (
        {
            "name": "Autenticação com passkeys",
            "languages": ["ts"],
            "tags": ["Segurança", "web"],
            "summary": "Login sem senha com WebAuthn",
        },
        {"name": "Cache distribuído em Redis", "languages": ["python"], "tags": ["performance"]},
        {"name": "Autorização com OPA", "languages": ["go"], "tags": ["segurança"]},
    ):
        response = gateway.post("/api/v1/pocs", body, token)
        assert response.status_code == 201, response.text
        created.append(response.json())

    found = search_until(
        gateway,
        token,
        {"q": "autentcacao"},
        lambda b: any(r["id"] == created[0]["id"] for r in b["results"]),
    )
    assert found["results"][0]["id"] == created[0]["id"]

    filtered = search_until(
        gateway, token, {"tag": "seguranca", "language": "typescript"}, lambda b: b["total"] >= 1
    )
    assert [r["id"] for r in filtered["results"]] == [created[0]["id"]]
    everything = search_until(gateway, token, {}, lambda b: b["total"] == 3)
    tags = {f["value"]: f["count"] for f in everything["facets"]["tags"]}
    assert tags["seguranca"] == 2 and tags["performance"] == 1

    listed = gateway.get("/api/v1/pocs", token, params={"language": "go"}).json()["results"]
    assert [p["id"] for p in listed] == [created[2]["id"]]

    outsider = gateway.signup(organization_name="Outra Org")
    other = outsider["tokens"]["access"]
    gateway.wait_active(other)
    wait_pocs_ready(gateway, other)
    assert (
        gateway.get("/api/v1/search/pocs", other, params={"q": "autenticacao"}).json()["total"] == 0
    )
    assert gateway.get(f"/api/v1/pocs/{created[0]['id']}", other).status_code == 404
    assert gateway.get("/api/v1/pocs", other).json()["results"] == []


def _service_token(client: str) -> str:
    """A service token for pocs, obtained from accounts as media and dojo do (not via the gateway)."""
    accounts = os.environ.get("ACCOUNTS_URL", "http://127.0.0.1:8101")
    response = requests.post(
        f"{accounts}/internal/v1/service-tokens",
        json={
            "client": client,
            "secret": os.environ.get(
                f"SERVICE_CLIENT_SECRET_{client.upper()}", f"local-only-{client}-client-secret"
            ),
            "audience": "pocs",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access"])


def test_pocs_name_people_and_other_services_read_and_annotate_them(gateway):
    org = gateway.signup(organization_name="Nomes Ltda", owner_name="Olga Dona")
    token = org["tokens"]["access"]
    me = gateway.wait_active(token)
    wait_pocs_ready(gateway, token)
    tenant_id, user_id = me["organization"]["id"], me["id"]
    created = gateway.post(
        "/api/v1/pocs", {"name": "Relatório anual", "contributors": [user_id]}, token
    )
    assert created.status_code == 201, created.text
    poc = created.json()
    assert poc["author"] == {"id": user_id, "name": "Olga Dona"}
    assert poc["contributor_refs"] == [{"id": user_id, "name": "Olga Dona"}]

    # Internal routes exist only inside the platform: the gateway does not route them.
    assert gateway.get(f"/internal/v1/tenants/{tenant_id}/pocs").status_code == 404

    pocs_url = os.environ.get("POCS_URL", "http://127.0.0.1:8102")
    media = {"Authorization": f"Bearer {_service_token('media')}"}
    listed = requests.get(
        f"{pocs_url}/internal/v1/tenants/{tenant_id}/pocs", headers=media, timeout=10
    )
    assert listed.status_code == 200, listed.text
    assert [(p["id"], p["author"]["name"]) for p in listed.json()["results"]] == [
        (poc["id"], "Olga Dona")
    ]
    as_user = requests.get(
        f"{pocs_url}/internal/v1/tenants/{tenant_id}/pocs",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert as_user.status_code == 401

    dojo = {"Authorization": f"Bearer {_service_token('dojo')}"}
    note = {
        "text": "Retrospectiva do dojo: TDD ajudou.",
        "source": "dojo",
        "source_id": str(uuid.uuid4()),
        "author": user_id,
    }
    url = f"{pocs_url}/internal/v1/tenants/{tenant_id}/pocs/{poc['id']}/learnings"
    first = requests.post(url, json=note, headers=dojo, timeout=10)
    again = requests.post(url, json=note, headers=dojo, timeout=10)
    assert (first.status_code, again.status_code) == (201, 200), first.text
    read = gateway.get(f"/api/v1/pocs/{poc['id']}", token).json()
    assert read["learnings"] == "Retrospectiva do dojo: TDD ajudou."
    found = search_until(gateway, token, {"q": "retrospectiva"}, lambda b: b["total"] == 1)
    assert [r["id"] for r in found["results"]] == [poc["id"]]
