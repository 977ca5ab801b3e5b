"""Issue 3's journey through the gateway: register POCs, find them with typos, filter, facets."""

from __future__ import annotations

import time
from typing import Any


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


def test_a_member_registers_pocs_and_finds_them_with_a_typo_filters_and_facets(gateway):
    org = gateway.signup(organization_name="Busca Ltda")
    token = org["tokens"]["access"]
    gateway.wait_active(token)
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
    assert (
        gateway.get("/api/v1/search/pocs", other, params={"q": "autenticacao"}).json()["total"] == 0
    )
    assert gateway.get(f"/api/v1/pocs/{created[0]['id']}", other).status_code == 404
    assert gateway.get("/api/v1/pocs", other).json()["results"] == []
