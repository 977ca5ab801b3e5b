#!/usr/bin/env bash
# Media rendering benchmark: a 60 s 1080x1920 year-in-review video of 40 POCs and
# a 40-page PDF report, rendered by services/media's engines (no stack needed).
#   bench/media/run.sh              # 3 video runs, 5 PDF runs, medians
#   bench/media/run.sh --matrix     # also compares frame rates and x264 settings
# Stops by itself after 10 minutes at most.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=/dev/null
source "$ROOT/local/env.sh"
exec timeout --signal=INT --kill-after=30 600 \
  "$ROOT/var/venv/bin/python" "$ROOT/bench/media/bench_media.py" "$@"
