"""What the revoked-token check adds to every authenticated request.

Times ``pocdex_shared.tenancy.revocation.check`` as the tenant middleware calls
it, against the local Redis: the Redis read (one HGETALL round trip) for a
person with no entry and for one with entries, and the same call served from
the process's memory (``REVOCATION_CACHE_SECONDS``). Compare with a request's
own cost in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from datetime import UTC, datetime

import django
from django.conf import settings

settings.configure(
    REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:63799/9"),
    USE_TZ=True,
    INSTALLED_APPS=[],
)
django.setup()

from pocdex_shared.jwt import VerifiedToken  # noqa: E402
from pocdex_shared.tenancy import revocation  # noqa: E402


def token(user_id: str, tenant_id: str) -> VerifiedToken:
    now = datetime.now(UTC)
    return VerifiedToken(
        subject=user_id,
        tenant_id=tenant_id,
        role="member",
        token_id=uuid.uuid4().hex,
        token_type="access",  # noqa: S106 - a claim value
        audience=["pocdex-api"],
        issued_at=now,
        expires_at=now,
        claims={},
        session_id=str(uuid.uuid4()),
    )


def timed(calls: int, setup_each: bool, verified: VerifiedToken) -> list[float]:
    samples = []
    for _ in range(calls):
        if setup_each:
            revocation.forget_local()
        started = time.perf_counter()
        revocation.check(verified)
        samples.append((time.perf_counter() - started) * 1e6)
    return sorted(samples)


def report(name: str, samples: list[float]) -> None:
    p95 = samples[int(len(samples) * 0.95)]
    print(f"  {name:<44} p50 {statistics.median(samples):6.1f} µs   p95 {p95:6.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    tenant = str(uuid.uuid4())
    clean = token(str(uuid.uuid4()), tenant)
    listed_user = str(uuid.uuid4())
    for _ in range(3):  # three other sessions of this person logged out
        revocation.record(
            revocation.Revocation(
                user_id=listed_user,
                tenant_id=tenant,
                family_id=str(uuid.uuid4()),
                issued_before=int(time.time()),
                reason="logout",
            )
        )
    listed = token(listed_user, tenant)
    timed(200, True, clean)  # warm the connection
    print(f"revocation check, {args.calls} calls each, Redis {settings.REDIS_URL}")
    report("Redis read, person without entries", timed(args.calls, True, clean))
    report("Redis read, person with 3 session entries", timed(args.calls, True, listed))
    report("from process memory (within 1 s)", timed(args.calls, False, clean))


if __name__ == "__main__":
    main()
