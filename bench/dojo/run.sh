#!/usr/bin/env bash
# Dojo real-time benchmark against the running platform (`make run` first):
# 200 dojos of 20 members, 4,000 WebSockets through the gateway, the pilotos
# editing at a fixed rate; broadcast latency (p50/p95/p99), messages per second,
# memory per connection, and "no acknowledged operation lost". See README.md here.
#
#   bench/dojo/run.sh [loadgen flags, e.g. --steps 1:60,2:30 --dojos 200]
#
# 127.0.0.1 only; stops by itself (the load generator gives up after 8 minutes,
# the whole script is killed after 10) and ends every process it started.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/bench/dojo"
OUT="$ROOT/var/bench"
# shellcheck source=/dev/null
source "$ROOT/local/env.sh"
mkdir -p "$OUT"

# 4,000 sockets, plus HTTP connections: as many descriptors as the hard limit allows.
ulimit -n "$(ulimit -Hn)"
if (($(ulimit -n) < 8192)); then
  echo "bench/dojo: need 8192 open files, the hard limit is $(ulimit -Hn)" >&2
  exit 1
fi

# Everything this script starts is a child of it; stop them whatever happens.
children=()
cleanup() {
  local pid
  for pid in "${children[@]}"; do
    kill -INT "$pid" 2>/dev/null || true
  done
  for pid in "${children[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

deadline=$((SECONDS + 600))
remaining() { echo $((deadline - SECONDS)); }

# The load generator is Go (one goroutine per socket, a few KB each): a Python
# client for 4,000 sockets would compete with daphne for the two cores.
echo "bench/dojo: building the load generator (Go) into var/bench/dojo-loadgen" >&2
(cd "$HERE/loadgen" && go build -o "$OUT/dojo-loadgen" .)

echo "bench/dojo: organizations, members and their access tokens (accounts)" >&2
(
  cd "$ROOT/services/accounts"
  exec timeout --kill-after=10 180 "$ROOT/var/venv/bin/python" "$HERE/seed_accounts.py" \
    --organizations 10 --members 400
) >"$OUT/dojo-plan.json" &
children+=($!)
wait "${children[-1]}"

echo "bench/dojo: load" >&2
timeout --signal=INT --kill-after=30 "$(remaining)" "$OUT/dojo-loadgen" \
  -plan "$OUT/dojo-plan.json" \
  -daphne-pidfiles "$ROOT/var/run/dojo-web.pid,$ROOT/var/run/dojo-web2.pid" \
  -nginx-pidfile "$ROOT/var/run/gateway.pid" \
  -postgres-pidfile "$ROOT/var/run/postgres.pid" \
  -redis-pidfile "$ROOT/var/run/redis.pid" \
  "$@" > >(tee "$OUT/dojo-results.md") &
children+=($!)
wait "${children[-1]}"
