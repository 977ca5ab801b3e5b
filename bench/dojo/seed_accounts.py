"""Bench people for the dojo benchmark, made through accounts: prints the plan as JSON.

- Organizations ``bench-dojo-<k>`` are created by the real signup, through the
  gateway, once; the script waits until every service has provisioned them
  (``organization.status == "active"``), so the dojo service has their schema.
- Their members are accounts users with a membership (role ``member``), created
  in accounts' own database with accounts' models, once (later runs reuse them).
  They all get the same password, hashed once with accounts' hasher (Argon2):
  hashing 4,000 of them would take minutes and measure nothing.
- Every person's access token is minted by accounts' own issuer
  (``tokens.services.access_token_for``: its current signing key, its claims,
  its 10-minute lifetime), exactly what a login returns. One member also logs in
  through the gateway, to show the seeded people are real, working accounts.

Run from services/accounts (its settings and apps); stdout is the plan, progress
goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000").replace("localhost", "127.0.0.1")
PASSWORD = "bench-dojo-password-2026"  # noqa: S105 - local bench accounts only


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_django() -> None:
    sys.path.insert(0, str(ROOT / "services" / "accounts"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["POCDEX_SERVICE"] = "accounts"
    import django

    django.setup()


def slug(k: int) -> str:
    return f"bench-dojo-{k}"


def owner_email(k: int) -> str:
    return f"owner@{slug(k)}.example.com"


def member_email(k: int, i: int) -> str:
    return f"m{i:04d}@{slug(k)}.example.com"


def signup(k: int) -> None:
    response = requests.post(
        f"{GATEWAY}/api/v1/signup",
        json={
            "organization_name": f"Bench dojo {k}",
            "organization_slug": slug(k),
            "owner_name": f"Bench facilitator {k}",
            "email": owner_email(k),
            "password": PASSWORD,
            "locale": "en",
        },
        timeout=30,
    )
    if response.status_code != 201:
        raise SystemExit(f"signup {slug(k)}: {response.status_code} {response.text[:300]}")


def ensure_organizations(count: int) -> list[Any]:
    from organizations.models import Organization

    for k in range(count):
        if not Organization.objects.filter(slug=slug(k)).exists():
            say(f"  signup {slug(k)} through the gateway")
            signup(k)
    deadline = time.monotonic() + 120
    while True:
        orgs = list(Organization.objects.filter(slug__in=[slug(k) for k in range(count)]))
        pending = [o.slug for o in orgs if o.status != "active"]
        if len(orgs) == count and not pending:
            return sorted(orgs, key=lambda o: int(o.slug.rsplit("-", 1)[1]))
        if time.monotonic() > deadline:
            raise SystemExit(f"organizations not active after 120 s: {pending}")
        time.sleep(0.5)


def lift_dojo_limit(orgs: list[Any]) -> None:
    """No monthly dojo limit for the benchmark's organizations (each run creates hundreds).

    An override of the plan's limit (``limits``), published as ``tenant.updated``
    like any change of plan; the run waits until the dojo service's replica has it.
    """
    from django.db import transaction

    from pocdex_shared.events.outbox import publish
    from pocdex_shared.tenancy.events import TENANT_UPDATED

    for org in orgs:
        if "dojos_per_month" in (org.limits or {}) and org.limits["dojos_per_month"] is None:
            continue
        with transaction.atomic():
            org.limits = {**(org.limits or {}), "dojos_per_month": None}
            org.save(update_fields=["limits"])
            publish(TENANT_UPDATED, org.replica_payload(), tenant_id=org.id)
        say(f"  {org.slug}: no monthly dojo limit")
    import psycopg

    ids = [str(o.id) for o in orgs]
    deadline = time.monotonic() + 120
    with psycopg.connect(os.environ["DATABASE_URL_DOJO"], autocommit=True) as conn:
        while True:
            rows = conn.execute(
                "SELECT count(*) FROM tenants_tenant WHERE id::text = ANY(%s)"
                " AND limits ? 'dojos_per_month' AND limits->'dojos_per_month' = 'null'::jsonb",
                [ids],
            ).fetchone()
            if rows is not None and rows[0] == len(ids):
                return
            if time.monotonic() > deadline:
                raise SystemExit("the dojo service did not get the organizations' limits in 120 s")
            time.sleep(0.5)


def ensure_members(organization: Any, k: int, count: int, password_hash: str) -> list[Any]:
    from django.db import transaction
    from django.utils import timezone

    from identity.models import User
    from organizations.models import Membership, Role

    emails = [member_email(k, i) for i in range(count)]
    existing = {u.email: u for u in User.objects.filter(email__in=emails)}
    missing = [e for e in emails if e not in existing]
    if missing:
        now = timezone.now()
        with transaction.atomic():
            created = User.objects.bulk_create(
                User(
                    email=email,
                    name=f"Member {email.split('@')[0][1:]} of {k}",
                    locale="en",
                    password=password_hash,
                    email_verified_at=now,
                )
                for email in missing
            )
            existing.update({u.email: u for u in created})
        say(f"  {slug(k)}: created {len(missing)} members")
    users = [existing[e] for e in emails]
    have = set(
        Membership.objects.filter(organization=organization, user__in=users).values_list(
            "user_id", flat=True
        )
    )
    Membership.objects.bulk_create(
        Membership(organization=organization, user=u, role=Role.MEMBER)
        for u in users
        if u.id not in have
    )
    by_user = {
        m.user_id: m
        for m in Membership.objects.filter(
            organization=organization, user__in=users
        ).select_related("user")
    }
    return [by_user[u.id] for u in users]


def check_real_login(k: int) -> None:
    response = requests.post(
        f"{GATEWAY}/api/v1/auth/token",
        json={"organization": slug(k), "email": member_email(k, 0), "password": PASSWORD},
        timeout=30,
    )
    if response.status_code != 200 or not response.json().get("access"):
        raise SystemExit(f"a seeded member cannot log in: {response.status_code} {response.text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=10)
    parser.add_argument("--members", type=int, default=400, help="members per organization")
    parser.add_argument(
        "--token-minutes",
        type=int,
        default=0,
        help="lifetime of the minted access tokens (default: accounts' own); the 20k mode "
        "opens its sockets for longer than a token lives, and a load generator does not refresh",
    )
    args = parser.parse_args()

    setup_django()
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    if args.token_minutes > 0:
        settings.ACCESS_TOKEN_TTL = timedelta(minutes=args.token_minutes)

    from organizations.models import Membership, Role
    from tokens.services import access_token_for

    started = time.monotonic()
    orgs = ensure_organizations(args.organizations)
    lift_dojo_limit(orgs)
    password_hash = make_password(PASSWORD)
    plan: list[dict[str, Any]] = []
    for k, org in enumerate(orgs):
        members = ensure_members(org, k, args.members, password_hash)
        owner = Membership.objects.select_related("user").get(
            organization=org, role=Role.OWNER, user__email=owner_email(k)
        )
        plan.append(
            {
                "slug": org.slug,
                "owner": access_token_for(user=owner.user, membership=owner),
                "members": [
                    {"id": str(m.user_id), "token": access_token_for(user=m.user, membership=m)}
                    for m in members
                ],
            }
        )
    check_real_login(0)
    say(
        f"  {len(orgs)} organizations, {sum(len(p['members']) for p in plan)} members, "
        f"tokens minted in {time.monotonic() - started:.1f} s"
    )
    json.dump({"organizations": plan}, sys.stdout)


if __name__ == "__main__":
    main()
