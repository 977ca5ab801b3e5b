"""A person's own data under the LGPD, across every service through the gateway (ADR 0047).

Pia owns organization A (alone) and is a member of Bea's organization B; she
writes a POC in each and runs a dojo in B. She exports her data: one archive
with her POC from A and from B (and not Bea's), a link by mail, 404 for Bea.
Bea, the only owner of B with a member, may not delete herself. Pia deletes
herself: organization A follows the organization deletion path (purged at the
next sweep, here run at once), B keeps her POC and dojo under "Deleted
person", and then nothing personal is left: her email and her name are in no
row of any service's database, in no search document and in no object of the
buckets.
"""

from __future__ import annotations

import io
import json
import os
import time
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import requests
from psycopg import sql

from .conftest import Gateway, Mailbox, code_from_mail
from .test_lgpd_journey import (
    SERVICES,
    bucket,
    bucket_exists,
    db_url,
    leftovers,
    purge_due,
    s3,
)

PASSWORD = "e2e-password-2026"
#: What a deleted person is called, in the organization's language.
DELETED_NAMES = ("Deleted person", "Pessoa excluída")


def opensearch() -> str:
    return os.environ.get("OPENSEARCH_URL", "http://127.0.0.1:19200").rstrip("/")


def login(gateway: Gateway, slug: str, email: str) -> str:
    response = gateway.post(
        "/api/v1/auth/token", {"organization": slug, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access"])


def delete_me(gateway: Gateway, token: str, **body: Any) -> requests.Response:
    return requests.delete(
        gateway.url("/api/v1/me"),
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def rows_mentioning(needles: list[str], schemas: list[str]) -> list[str]:
    """Every row, in any table of these schemas of any service's database, whose text
    holds one of the needles (case-insensitive)."""
    found: list[str] = []
    for service in SERVICES:
        # Autocommit: each query's locks go at once (a database has many tables).
        with psycopg.connect(db_url(service), autocommit=True) as conn:
            tables = conn.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' AND table_schema = ANY(%s)",
                [schemas],
            ).fetchall()
            for schema, table in tables:
                for needle in needles:
                    query = sql.SQL(
                        "SELECT 1 FROM {}.{} AS r WHERE r::text ILIKE %s LIMIT 1"
                    ).format(sql.Identifier(schema), sql.Identifier(table))
                    if conn.execute(query, [f"%{needle}%"]).fetchone():
                        found.append(f"{service}: {schema}.{table} holds {needle!r}")
    return found


def search_hits(text: str) -> int:
    requests.post(f"{opensearch()}/pocs*/_refresh", timeout=10)
    response = requests.post(
        f"{opensearch()}/pocs*/_count",
        json={"query": {"multi_match": {"query": text, "fields": ["*"], "type": "phrase"}}},
        timeout=10,
    )
    response.raise_for_status()
    return int(response.json()["count"])


def objects_mentioning(buckets: list[str], needles: list[str]) -> list[str]:
    """Keys and small object bodies of these buckets holding one of the needles."""
    found: list[str] = []
    client = s3()
    for name in buckets:
        try:
            pages = client.get_paginator("list_objects_v2").paginate(Bucket=name)
            for page in pages:
                for item in page.get("Contents", []):
                    text = item["Key"]
                    if item["Size"] < 1_000_000:
                        text += (
                            client.get_object(Bucket=name, Key=item["Key"])["Body"]
                            .read()
                            .decode("utf-8", "replace")
                        )
                    if any(n.lower() in text.lower() for n in needles):
                        found.append(f"{name}/{item['Key']}")
        except client.exceptions.NoSuchBucket:
            continue
    return found


def wait_until(check: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.5)


def test_a_person_exports_and_deletes_their_own_data(gateway: Gateway, mailbox: Mailbox) -> None:
    suffix = uuid.uuid4().hex[:8]
    pia_name = f"Pia Zqxvrkt{suffix}"
    pia_email = f"pia-{suffix}@example.com"
    org_a = gateway.signup(owner_name=pia_name, email=pia_email, password=PASSWORD)
    pia_a = org_a["tokens"]["access"]
    gateway.wait_active(pia_a)
    org_b = gateway.signup(owner_name="Bea Owner", password=PASSWORD)
    bea = org_b["tokens"]["access"]
    gateway.wait_active(bea)
    gateway.confirm_email(mailbox, org_b["email"])
    slug_a, slug_b = org_a["organization"]["slug"], org_b["organization"]["slug"]

    # Pia joins B with her existing account.
    assert gateway.post("/api/v1/invitations", {"email": pia_email}, bea).status_code == 201
    accepted = gateway.post(
        "/api/v1/invitations/accept",
        {
            "token": code_from_mail(mailbox.wait_for(to=pia_email, subject_contains="nvit")),
            "password": PASSWORD,
        },
    )
    assert accepted.status_code == 200, accepted.text
    pia_b = login(gateway, slug_b, pia_email)

    # What Pia authors in each organization, and what Bea authors in B.
    gateway.wait_served(pia_a, "/api/v1/pocs")
    gateway.wait_served(pia_b, "/api/v1/pocs")
    in_a = gateway.post("/api/v1/pocs", {"name": "Prova de Pia em A"}, pia_a)
    in_b = gateway.post("/api/v1/pocs", {"name": "Prova de Pia em B"}, pia_b)
    beas = gateway.post("/api/v1/pocs", {"name": "Prova da Bea"}, bea)
    assert in_a.status_code == in_b.status_code == beas.status_code == 201, beas.text
    gateway.wait_served(pia_b, "/api/v1/dojos")
    dojo = gateway.post(
        "/api/v1/dojos",
        {"title": "Kata da Pia", "language": "Python", "scheduled_at": "2030-01-01T19:00:00Z"},
        pia_b,
    )
    assert dojo.status_code == 201, dojo.text
    wait_until(lambda: search_hits(pia_name) == 2, "Pia's POCs were never indexed", 30)

    # ---- her export
    started = gateway.post("/api/v1/me/exports", None, pia_a)
    assert started.status_code == 202, started.text
    export_id = started.json()["id"]
    missing = gateway.get(f"/api/v1/me/exports/{export_id}", bea)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "export_not_found"
    export: dict[str, Any] = {}

    def finished() -> bool:
        polled = gateway.get(f"/api/v1/me/exports/{export_id}", pia_b)
        assert polled.status_code == 200, (polled.status_code, polled.text)
        export.update(polled.json())
        return export["status"] in ("completed", "failed")

    wait_until(finished, "the export never finished")
    assert export["status"] == "completed" and export["progress"] == 100, export
    archive = requests.get(export["download_url"], timeout=30)
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        mine = json.loads(zipped.read("accounts.json"))
        pocs = {
            slug: json.loads(zipped.read(f"organizations/{slug}/pocs.json"))["pocs"]
            for slug in (slug_a, slug_b)
        }
        dojos = json.loads(zipped.read(f"organizations/{slug_b}/dojo.json"))
        media = json.loads(zipped.read(f"organizations/{slug_b}/media.json"))
    assert {m["organization"]["slug"]: m["role"] for m in mine["memberships"]} == {
        slug_a: "owner",
        slug_b: "member",
    }
    assert [p["fields"]["name"] for p in pocs[slug_a]] == ["Prova de Pia em A"]
    assert [p["fields"]["name"] for p in pocs[slug_b]] == ["Prova de Pia em B"]
    assert [d["fields"]["title"] for d in dojos["dojos_facilitated"]] == ["Kata da Pia"]
    assert media == {"jobs": [], "report_subscription": []}
    assert "Prova da Bea" not in archive.content.decode("utf-8", "replace")
    assert org_b["email"] not in json.dumps(mine)
    mail = mailbox.wait_for(to=pia_email, subject_contains="Your data", timeout=30)
    assert "http" in mail["text"]

    # ---- Bea is the only owner of B, which has a member: refused
    refused = delete_me(gateway, bea, password=PASSWORD, confirmation=org_b["email"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "sole_owner"

    # ---- Pia deletes herself
    wrong = delete_me(gateway, pia_b, password=PASSWORD, confirmation=org_b["email"])
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "confirmation_mismatch"
    deleted = delete_me(gateway, pia_b, password=PASSWORD, confirmation=pia_email)
    assert deleted.status_code == 204, deleted.text
    assert gateway.get("/api/v1/me", pia_b).status_code == 401
    for path in ("/api/v1/pocs", "/api/v1/dojos", "/api/v1/reports"):
        wait_until(lambda path=path: gateway.get(path, pia_b).status_code == 401, path, 30)
    # Her organization A is purged by the next sweep (no grace period: nobody can restore it).
    purge_due(datetime.now(tz=UTC) + timedelta(seconds=1))
    org_a_id = org_a["organization"]["id"]
    wait_until(
        lambda: not leftovers(org_a_id) and not bucket_exists(org_a_id),
        "organization A was not purged",
    )

    # B keeps her POC and her dojo, under the deleted person's name.
    def anonymized() -> bool:
        poc = gateway.get(f"/api/v1/pocs/{in_b.json()['id']}", bea).json()
        return bool(poc["author"]["name"] in DELETED_NAMES)

    wait_until(anonymized, "Pia's POC in B was not anonymized", 60)

    def dojo_kept() -> bool:
        kept = gateway.get(f"/api/v1/dojos/{dojo.json()['id']}", bea)
        assert kept.status_code == 200 and kept.json()["title"] == "Kata da Pia"
        return bool(kept.json()["facilitator"]["name"] in DELETED_NAMES)

    wait_until(dojo_kept, "Pia's dojo in B was not anonymized", 60)

    # Nothing personal is left anywhere.
    schemas = ["public", "t_" + uuid.UUID(org_b["organization"]["id"]).hex]
    needles = [pia_email, pia_name]
    wait_until(
        lambda: not rows_mentioning(needles, schemas), str(rows_mentioning(needles, schemas))
    )
    wait_until(lambda: search_hits(pia_name) == 0, "a search document still names Pia", 60)
    people = os.environ.get("S3_BUCKET_PREFIX", "pocdex-t-") + "people"
    assert objects_mentioning([people, bucket(org_b["organization"]["id"])], needles) == []
    listed = s3().list_objects_v2(Bucket=people, Prefix="exports/people/")
    assert not any(export_id in item["Key"] for item in listed.get("Contents", [])), (
        "her archive is still there"
    )
    assert gateway.get("/api/v1/pocs", bea).status_code == 200
