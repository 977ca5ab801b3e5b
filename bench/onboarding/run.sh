#!/usr/bin/env bash
# The onboarding window against the running platform (`make run` first): sign up
# organizations through the gateway, poll /api/v1/me until "active", then call
# pocs, dojo and media at once; any non-2xx after "active" is the window.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=/dev/null
source "$ROOT/local/env.sh"
exec "$ROOT/var/venv/bin/python" "$ROOT/bench/onboarding/bench_onboarding.py" "$@"
