#!/usr/bin/env bash
# The cost of the revoked-token check on the hot path, against the local Redis.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=/dev/null
source "$ROOT/local/env.sh"
exec "$ROOT/var/venv/bin/python" "$ROOT/bench/revocation/bench_revocation.py" "$@"
