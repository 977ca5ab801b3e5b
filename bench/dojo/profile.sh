#!/usr/bin/env bash
# The dojo benchmark with both daphne instances sampled by py-spy during its
# edit steps: where their time goes (docs/benchmarks.md, "Where the time goes").
#
#   bench/dojo/profile.sh [seconds] [run.sh arguments]
#   bench/dojo/profile.sh 40 8000 -dojos 60 -steps 1:20,2:20 -timeline 5s
#   PROFILE_GIL=1 bench/dojo/profile.sh 120 8000   # only the thread holding the GIL: Python CPU
#
# Sampling starts when the load generator announces its first step and lasts
# `seconds` (default 40: the steps' total above). Raw stacks go to
# var/bench/profile/daphne-<pid>.txt (flamegraph.pl's collapsed format), the
# benchmark's own output to var/bench/profile/bench.out, and a summary of both
# instances to stdout (stacks.py). Run it under the stack's shared lock, as run.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$ROOT/var/bench/profile"
SPY="$ROOT/var/venv/bin/py-spy"
seconds="${1:-40}"
gil="${PROFILE_GIL:-}"
[[ "$gil" == 0 ]] && gil=""
shift || true
[[ -x "$SPY" ]] || { echo "bench/dojo: py-spy is missing (make bootstrap)" >&2; exit 1; }
rm -rf "$OUT" && mkdir -p "$OUT"

"$ROOT/bench/dojo/run.sh" "$@" >"$OUT/bench.out" 2>"$OUT/bench.err" &
bench=$!
spies=()
cleanup() {
  for pid in "${spies[@]}" "$bench"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup INT TERM
until grep -q '\] step 1:' "$OUT/bench.err"; do
  if ! kill -0 "$bench" 2>/dev/null; then
    cat "$OUT/bench.err" >&2
    echo "bench/dojo: the benchmark ended before its first step" >&2
    exit 1
  fi
  sleep 0.5
done
uptime >"$OUT/uptime.txt"
# The pids as of the first step (an instance restarted meanwhile has a new one).
for pidfile in "$ROOT/var/run/dojo-web.pid" "$ROOT/var/run/dojo-web2.pid"; do
  read -r pid _ <"$pidfile"
  # --nonblocking: the instances are not paused to be sampled.
  "$SPY" record --nonblocking --rate 100 --format raw -d "$seconds" -p "$pid" ${gil:+--gil} \
    -o "$OUT/daphne-$pid.txt" >"$OUT/py-spy-$pid.log" 2>&1 &
  spies+=("$!")
done
wait "${spies[@]}" || true
status=0
wait "$bench" || status=$?
cat "$OUT/bench.out"
echo
echo "load average when the steps began: $(cat "$OUT/uptime.txt")"
"$ROOT/var/venv/bin/python" "$ROOT/bench/dojo/stacks.py" "$OUT"/daphne-*.txt
exit "$status"
