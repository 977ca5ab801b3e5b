"""POCs created, searches and stored bytes count as each organization's usage (ADR 0041)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from prometheus_client import REGISTRY

from pocdex_shared.metrics import UsageLedger, usage_ledger

pytestmark = pytest.mark.django_db

PAYLOAD = b"print('usage')\n"


def used(kind: str, plan: str) -> float:
    labels = {"service": "pocs", "kind": kind, "plan": plan}
    return REGISTRY.get_sample_value("pocdex_tenant_usage_total", labels) or 0.0


def today_top() -> dict[tuple[str, str], float]:
    usage_ledger().flush()
    return {(kind, tenant): amount for kind, tenant, amount in UsageLedger().top("pocs")}


def test_creating_searching_and_storing_count_for_the_organization_that_did_it(
    alice: Any,
    outsider: Any,
    create_poc: Any,
    search_index: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    plan = alice.tenant.plan
    created, searched, stored = (
        used("poc_created", plan),
        used("search", plan),
        used("storage_bytes", plan),
    )
    top_before = today_top()

    with django_capture_on_commit_callbacks(execute=True):
        poc = create_poc(alice, name="Passkeys")
        create_poc(alice)
        create_poc(outsider)
    assert alice.client.get("/api/v1/search/pocs", {"q": "passkeys"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        started = alice.client.post(
            f"/api/v1/pocs/{poc['id']}/attachments",
            {"filename": "notes.md", "content_type": "text/markdown", "size": len(PAYLOAD)},
            format="json",
        ).json()
        upload = started["upload"]
        put = requests.put(upload["url"], data=PAYLOAD, headers=upload["headers"], timeout=10)
        assert put.status_code == 200, put.text
        done = alice.client.post(f"/api/v1/pocs/{poc['id']}/attachments/{started['id']}/complete")
        assert done.status_code == 200, done.content

    assert plan == outsider.tenant.plan  # both organizations count on the same series
    assert used("poc_created", plan) == created + 3
    assert used("search", plan) == searched + 1
    assert used("storage_bytes", plan) == stored + len(PAYLOAD)
    top = today_top()

    def grew(kind: str, member: Any) -> float:
        key = (kind, member.tenant.slug)
        return top.get(key, 0.0) - top_before.get(key, 0.0)

    assert (grew("poc_created", alice), grew("poc_created", outsider)) == (2, 1)
    assert (grew("search", alice), grew("search", outsider)) == (1, 0)
    assert grew("storage_bytes", alice) == len(PAYLOAD)


def test_a_refused_creation_counts_nothing(
    alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    plan = alice.tenant.plan
    created = used("poc_created", plan)

    with django_capture_on_commit_callbacks(execute=True):
        response = alice.client.post("/api/v1/pocs", {"name": ""}, format="json")

    assert response.status_code == 400
    assert used("poc_created", plan) == created
