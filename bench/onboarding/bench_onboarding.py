"""The onboarding window: what pocs, dojo and media answer right after accounts says active.

For each of ``--orgs`` organizations (``--parallel`` signups at a time): sign up
through the gateway, poll ``/api/v1/me`` until the organization is ``active``,
then call one authenticated list of each service at once. Every answer that is
not 2xx is recorded with its code; if a service refused, it is polled until it
serves, and the time from "active" to its first 2xx is that organization's
window. The goal is no refusal at all (a window of zero).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

GATEWAY = os.environ.get("GATEWAY_URL", "http://localhost:8000").rstrip("/")
SERVICE_PATHS = {"pocs": "/api/v1/pocs", "dojo": "/api/v1/dojos", "media": "/api/v1/reports"}
# Where each service is reached: the gateway, unless --<service> names another base URL.
BASES = dict.fromkeys(["accounts", *SERVICE_PATHS], GATEWAY)
DEADLINE_SECONDS = 30.0


@dataclass
class Onboarding:
    to_active: float = 0.0
    refusals: list[str] = field(default_factory=list)  # "<service> <status> <code>"
    windows: dict[str, float] = field(default_factory=dict)  # service → seconds to first 2xx


def _code(response: requests.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "-"


def onboard(session: requests.Session) -> Onboarding:
    suffix = uuid.uuid4().hex[:10]
    started = time.perf_counter()
    response = session.post(
        f"{BASES['accounts']}/api/v1/signup",
        json={
            "organization_name": f"Onboarding {suffix}",
            "organization_slug": f"onb-{suffix}",
            "owner_name": "Onboarding Owner",
            "email": f"onb-{suffix}@example.com",
            "password": "bench-password-2026",
            "locale": "en",
        },
        timeout=10,
    )
    response.raise_for_status()
    headers = {"Authorization": f"Bearer {response.json()['tokens']['access']}"}
    while True:
        me = session.get(f"{BASES['accounts']}/api/v1/me", headers=headers, timeout=10).json()
        if me["organization"]["status"] == "active":
            break
        if time.perf_counter() - started > DEADLINE_SECONDS:
            raise SystemExit("organization not active after 30 s: are the workers running?")
        time.sleep(0.01)
    active_at = time.perf_counter()
    result = Onboarding(to_active=active_at - started)
    for service, path in SERVICE_PATHS.items():
        while True:
            answer = session.get(f"{BASES[service]}{path}", headers=headers, timeout=10)
            if 200 <= answer.status_code < 300:
                result.windows[service] = (
                    0.0 if not result.refusals else (time.perf_counter() - active_at)
                )
                break
            result.refusals.append(f"{service} {answer.status_code} {_code(answer)}")
            if time.perf_counter() - active_at > DEADLINE_SECONDS:
                raise SystemExit(f"{service} still refuses after 30 s: {answer.text[:200]}")
            time.sleep(0.01)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=30, help="organizations to sign up")
    parser.add_argument("--parallel", type=int, default=1, help="signups at a time")
    for name in BASES:
        parser.add_argument(f"--{name}", metavar="URL", help=f"reach {name} here, not the gateway")
    args = parser.parse_args()
    for name in BASES:
        BASES[name] = (getattr(args, name) or GATEWAY).rstrip("/")

    def one(_: int) -> Onboarding:
        with requests.Session() as session:
            return onboard(session)

    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        results = list(pool.map(one, range(args.orgs)))

    refused = [r for r in results if r.refusals]
    windows = [max(r.windows.values()) for r in refused]
    to_active = sorted(r.to_active for r in results)
    print(f"onboarding: {args.orgs} organizations, {args.parallel} at a time, via {BASES}")
    print(
        f"signup to active: p50 {statistics.median(to_active) * 1000:.0f} ms,"
        f" max {to_active[-1] * 1000:.0f} ms"
    )
    print(f"organizations refused after /me said active: {len(refused)} of {len(results)}")
    if refused:
        counts = Counter(refusal for r in refused for refusal in r.refusals)
        for refusal, count in counts.most_common():
            print(f"  {count:4d} x {refusal}")
        print(
            f"window (active → every service 2xx): max {max(windows) * 1000:.0f} ms,"
            f" p50 {statistics.median(windows) * 1000:.0f} ms"
        )
    else:
        print("window: 0 (every service answered 2xx on the first call)")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
