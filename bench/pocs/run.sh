#!/usr/bin/env bash
# POC search benchmark against the running platform (`make run` first):
# 100,000 POCs over 1,000 bench organizations (slugs bench-<n>), bulk indexing rate,
# search and suggest latency through the gateway, and a PostgreSQL ILIKE baseline,
# all in one run. `run.sh --cleanup` removes every bench document, tenant row and
# the baseline table. The run stops by itself after 10 minutes at most.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=/dev/null
source "$ROOT/local/env.sh"
# The HTTP load generator is Go (httpload/): a multi-threaded Python client would
# compete with the platform for the two cores and inflate what it measures.
mkdir -p "$ROOT/var/bench"
(cd "$ROOT/bench/pocs/httpload" && go build -o "$ROOT/var/bench/pocs-httpload" .)
# SIGINT first so the script's cleanup of the bench tenant rows runs; KILL 30 s later.
exec timeout --signal=INT --kill-after=30 600 \
  "$ROOT/var/venv/bin/python" "$ROOT/bench/pocs/bench_pocs.py" "$@"
