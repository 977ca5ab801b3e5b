"""The apps' push registration through the gateway: /api/v1/devices in accounts.

A phone registers once per person and organization (a second POST is the same
device), lists and deletes only its own, and another organization's owner can
neither see nor delete it.
"""

from __future__ import annotations

import uuid


def test_a_phone_registers_for_push_once_and_only_its_organization_sees_it(gateway):
    org = gateway.signup(locale="pt-BR")
    other = gateway.signup(locale="en")
    token, other_token = org["tokens"]["access"], other["tokens"]["access"]
    apns = uuid.uuid4().hex + uuid.uuid4().hex  # 64 hex characters, like an APNs token

    first = gateway.post(
        "/api/v1/devices", {"platform": "apns", "token": apns, "locale": "pt-BR"}, token
    )
    assert first.status_code == 201, first.text
    device = first.json()
    assert device["platform"] == "apns"
    assert device["token_suffix"] == apns[-6:]
    again = gateway.post("/api/v1/devices", {"platform": "apns", "token": apns}, token)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == device["id"]

    mine = gateway.get("/api/v1/devices", token)
    assert mine.status_code == 200, mine.text
    assert [d["id"] for d in mine.json()["results"]] == [device["id"]]

    theirs = gateway.get("/api/v1/devices", other_token)
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["results"] == []
    refused = gateway.delete(f"/api/v1/devices/{device['id']}", other_token)
    assert refused.status_code == 404, refused.text
    assert refused.json()["error"]["code"] == "not_found"

    bad = gateway.post("/api/v1/devices", {"platform": "sms", "token": apns}, token)
    assert bad.status_code == 400, bad.text
    assert bad.json()["error"]["code"] == "validation_error"
    assert "platform" in bad.json()["error"]["fields"]

    assert gateway.delete(f"/api/v1/devices/{device['id']}", token).status_code == 204
    assert gateway.get("/api/v1/devices", token).json()["results"] == []
    assert (
        gateway.post("/api/v1/devices", {"platform": "fcm", "token": "x" * 40}).status_code == 401
    )
