"""One trace from signup to provisioning, across every service (ADR 0040).

``make run`` starts an OTLP/HTTP receiver and points every service process at
it; these tests read the spans back from it (``$OTLP_RECEIVER_URL/api/spans``).
The signup request's trace must continue through the accounts outbox relay,
the ``tenant.created`` consumers of pocs, dojo and media (and accounts' own),
their ``tenant.provisioned`` relays and accounts' consumers of those.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter
from typing import Any

import pytest
import requests

from pocdex_shared.testing.otlp import wait_for_spans

from .conftest import Gateway

RECEIVER = os.environ.get("OTLP_RECEIVER_URL", "http://127.0.0.1:14318").rstrip("/")
SERVICES = ("accounts", "pocs", "dojo", "media")
REPLICAS = ("pocs", "dojo", "media")


@pytest.fixture(scope="module")
def receiver() -> str:
    try:
        requests.get(f"{RECEIVER}/api/spans", params={"trace_id": "0" * 32}, timeout=5)
    except requests.RequestException as exc:
        pytest.fail(f"no OTLP receiver at {RECEIVER} (make run starts it): {exc}")
    return RECEIVER


def named(spans: list[dict[str, Any]], service: str, name: str) -> list[dict[str, Any]]:
    return [s for s in spans if s["service"] == f"pocdex-{service}" and s["name"] == name]


def provisioning_complete(client_span: str) -> Any:
    """Every consumer has run, and every span reached so far is exported with its parents
    (a parent ends, and is exported, after its children)."""

    def complete(spans: list[dict[str, Any]]) -> bool:
        created = {s["service"] for s in spans if s["name"] == "event tenant.created"}
        provisioned = named(spans, "accounts", "event tenant.provisioned")
        by_id = {span["span_id"]: span for span in spans}
        orphans = [s for s in spans if s["parent_span_id"] not in by_id]
        return (
            created >= {f"pocdex-{svc}" for svc in SERVICES}
            and len(provisioned) >= len(REPLICAS)
            and [s["parent_span_id"] for s in orphans] == [client_span]
        )

    return complete


def ancestors(span: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    chain = []
    while span["parent_span_id"] in by_id:
        span = by_id[span["parent_span_id"]]
        chain.append(span)
    return chain


def test_one_trace_spans_signup_to_provisioning_in_every_service(
    gateway: Gateway, receiver: str
) -> None:
    trace_id, client_span = secrets.token_hex(16), secrets.token_hex(8)
    suffix = secrets.token_hex(5)
    response = requests.post(
        gateway.url("/api/v1/signup"),
        json={
            "organization_name": f"Traced {suffix}",
            "organization_slug": f"traced-{suffix}",
            "owner_name": "Tracy Owner",
            "email": f"tracy-{suffix}@example.com",
            "password": "e2e-password-2026",
            "locale": "en",
        },
        headers={"traceparent": f"00-{trace_id}-{client_span}-01"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    # The answer names the trace it belongs to (W3C traceresponse).
    assert response.headers["traceresponse"].split("-")[1] == trace_id

    spans = wait_for_spans(receiver, trace_id, until=provisioning_complete(client_span), timeout=60)
    by_id = {span["span_id"]: span for span in spans}

    # The signup request continued the client's context through the gateway.
    (signup,) = [
        s
        for s in spans
        if s["service"] == "pocdex-accounts" and s["kind"] == "SERVER" and "signup" in s["name"]
    ]
    assert signup["parent_span_id"] == client_span
    # Every span hangs off the signup request: one tree, no orphan.
    for span in spans:
        if span is not signup:
            assert signup in ancestors(span, by_id), f"{span['service']}: {span['name']}"

    (created_relay,) = named(spans, "accounts", "outbox relay tenant.created")
    assert signup in ancestors(created_relay, by_id)
    for service in SERVICES:
        (consumer,) = named(spans, service, "event tenant.created")
        assert consumer["kind"] == "CONSUMER"
        assert created_relay in ancestors(consumer, by_id), service
    for service in REPLICAS:
        (consumer,) = named(spans, service, "event tenant.created")
        (relay,) = named(spans, service, "outbox relay tenant.provisioned")
        assert consumer in ancestors(relay, by_id), service
    provisioned = named(spans, "accounts", "event tenant.provisioned")
    reporters = Counter(
        next(a["service"] for a in ancestors(span, by_id) if a["name"].startswith("outbox relay"))
        for span in provisioned
    )
    assert reporters == Counter({f"pocdex-{svc}": 1 for svc in REPLICAS})


def test_a_request_without_traceparent_starts_a_trace_in_the_first_service(
    gateway: Gateway, receiver: str
) -> None:
    response = requests.get(gateway.url("/api/v1/me"), timeout=10)
    assert response.status_code == 401
    trace_id = response.headers["traceresponse"].split("-")[1]

    spans = wait_for_spans(receiver, trace_id, until=bool, timeout=30)
    roots = [s for s in spans if s["parent_span_id"] is None]
    assert [(s["service"], s["kind"]) for s in roots] == [("pocdex-accounts", "SERVER")]
