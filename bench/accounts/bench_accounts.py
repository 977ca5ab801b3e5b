"""Signup-to-active latency and the cost of authentication + tenancy on GET /api/v1/me.

Both measurements go through the nginx gateway, like the mobile apps. The
throughput comparison runs wrk against /api/v1/me (JWT verification, tenant
resolution, schema switch, membership lookup, serialization) and against
/healthz/accounts (a plain Django JSON view in the same service, behind the same
middleware and gateway) back to back, several rounds alternating, so the ratio
is measured on the same machine state.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import requests

GATEWAY = os.environ.get("GATEWAY_URL", "http://localhost:8000")


def signup_to_active(count: int) -> tuple[list[float], list[str]]:
    """Sign up ``count`` organizations; returns the times to active and their owners' tokens."""
    durations, tokens = [], []
    for _ in range(count):
        suffix = uuid.uuid4().hex[:10]
        started = time.perf_counter()
        response = requests.post(
            f"{GATEWAY}/api/v1/signup",
            json={
                "organization_name": f"Bench {suffix}",
                "organization_slug": f"bench-{suffix}",
                "owner_name": "Bench Owner",
                "email": f"bench-{suffix}@example.com",
                "password": "bench-password-2026",
                "locale": "en",
            },
            timeout=10,
        )
        response.raise_for_status()
        access = response.json()["tokens"]["access"]
        headers = {"Authorization": f"Bearer {access}"}
        while True:
            me = requests.get(f"{GATEWAY}/api/v1/me", headers=headers, timeout=10).json()
            if me["organization"]["status"] == "active":
                break
            if time.perf_counter() - started > 30:
                raise SystemExit("organization not active after 30 s: are the workers running?")
            time.sleep(0.01)
        durations.append(time.perf_counter() - started)
        tokens.append(access)
    return durations, tokens


ROTATE_TOKENS_LUA = """
local tokens = {}
for line in io.lines(os.getenv("POCDEX_BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local i = 0
request = function()
  i = (i % #tokens) + 1
  return wrk.format("GET", nil, {["Authorization"] = "Bearer " .. tokens[i]})
end
"""


def wrk(
    url: str, *, seconds: int, connections: int, headers: dict[str, str], script: str | None = None
) -> float:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        args += ["-s", script]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} failed responses\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise SystemExit(out)
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    durations, sessions = signup_to_active(args.signups)
    print("## Signup to active organization (through the gateway)")
    print(
        f"{len(durations)} signups: median {statistics.median(durations) * 1000:.0f} ms, "
        f"max {max(durations) * 1000:.0f} ms, min {min(durations) * 1000:.0f} ms"
    )

    login = requests.post(
        f"{GATEWAY}/api/v1/auth/token",
        json={
            "organization": "demo",
            "email": "member@demo.pocdex.local",
            "password": "pocdex-demo-2026",
        },
        timeout=10,
    )
    login.raise_for_status()
    auth = {"Authorization": f"Bearer {login.json()['access']}"}
    me_url, plain_url = f"{GATEWAY}/api/v1/me", f"{GATEWAY}/healthz/accounts"
    # Warm up both paths (connections, caches, gunicorn workers).
    wrk(me_url, seconds=2, connections=args.connections, headers=auth)
    wrk(plain_url, seconds=2, connections=args.connections, headers={})
    me_rates, plain_rates = [], []
    for _ in range(args.rounds):
        plain_rates.append(
            wrk(plain_url, seconds=args.seconds, connections=args.connections, headers={})
        )
        me_rates.append(
            wrk(me_url, seconds=args.seconds, connections=args.connections, headers=auth)
        )
    with tempfile.TemporaryDirectory() as folder:
        token_file, script = Path(folder, "tokens"), Path(folder, "rotate.lua")
        token_file.write_text("\n".join(sessions) + "\n")
        script.write_text(ROTATE_TOKENS_LUA)
        os.environ["POCDEX_BENCH_TOKENS"] = str(token_file)
        rotating = [
            wrk(
                me_url,
                seconds=args.seconds,
                connections=args.connections,
                headers={},
                script=str(script),
            )
            for _ in range(args.rounds)
        ]
    me_rps, plain_rps = statistics.median(me_rates), statistics.median(plain_rates)
    rotating_rps = statistics.median(rotating)
    print()
    print("## Authenticated GET /api/v1/me vs plain view, same gateway, same run")
    print(
        f"wrk -t2 -c{args.connections} -d{args.seconds}s, {args.rounds} alternating rounds, medians"
    )
    print(
        f"plain /healthz/accounts: {plain_rps:.0f} req/s  (rounds: {', '.join(f'{r:.0f}' for r in plain_rates)})"
    )
    print(
        f"GET /api/v1/me:          {me_rps:.0f} req/s  (rounds: {', '.join(f'{r:.0f}' for r in me_rates)})"
    )
    print(
        f"authentication + tenancy cost: {(1 - me_rps / plain_rps) * 100:.0f}% of the plain view's throughput"
    )
    print(
        f"GET /api/v1/me, {len(sessions)} sessions of {len(sessions)} organizations in rotation: "
        f"{rotating_rps:.0f} req/s ({(1 - rotating_rps / plain_rps) * 100:.0f}% below the plain view)"
    )


if __name__ == "__main__":
    main()
