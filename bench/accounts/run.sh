#!/usr/bin/env bash
# Accounts benchmarks against the running platform (`make run` first):
#   1. signup → active organization, through the gateway;
#   2. authenticated GET /api/v1/me vs the plain /healthz view, same gateway, same run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
# shellcheck source=/dev/null
source "$ROOT/local/env.sh"
exec "$ROOT/var/venv/bin/python" "$ROOT/bench/accounts/bench_accounts.py" "$@"
