#!/usr/bin/env bash
# Dojo real-time benchmark against the running platform (`make run` first):
# 200 dojos of 20 members, 4,000 WebSockets through the gateway, the pilotos
# editing at a fixed rate; broadcast latency (p50/p95/p99), messages per second,
# memory per connection, and "no acknowledged operation lost". See README.md here.
#
#   bench/dojo/run.sh [loadgen flags, e.g. -steps 1:60,2:30 -dojos 200]
#   bench/dojo/run.sh 8000 [flags]   # the 1 and 2 edits/s steps (4,000 and 8,000 deliveries/s)
#   bench/dojo/run.sh 20k [flags]    # 1,000 dojos x 20: 20,000 sockets on the daphne instances
#
# 127.0.0.1 only; stops by itself (the load generator gives up after 8 minutes,
# 23 in the 20k mode; the whole script is killed 2 minutes later) and ends every
# process it started.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/bench/dojo"
OUT="$ROOT/var/bench"
# shellcheck source=/dev/null
source "$ROOT/local/env.sh"
mkdir -p "$OUT"

limit=600
token_minutes=0
preset=()
case "${1:-}" in
  8000)
    shift
    preset=(-steps 1:60,2:60)
    ;;
  20k)
    # The gateway's nginx holds two connections per proxied socket (40,000 here,
    # over its worker_connections): the sockets go to the daphne instances
    # directly, round-robin, as the load balancer sends them on AWS; tickets and
    # the REST calls still go through the gateway. Four source addresses keep
    # every (source, destination) pair far below the ephemeral port range.
    # 0.2 edit/s in each of the 1,000 dojos: the same 4,000 deliveries/s as
    # the default run's last step, with five times the sockets open.
    shift
    preset=(-dojos 1000 -steps 0.2:60 -connect-concurrency 48 -timeout 23m
      -ws-direct ws://127.0.0.1:8103,ws://127.0.0.1:8113 -source-addrs 4)
    limit=1500
    token_minutes=30
    ;;
esac
args=("${preset[@]}" "$@")

# Sockets wanted (dojos x members, the last -dojos/-members given wins) and the
# members each of the 10 organizations needs for them.
dojos=200 members=20
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    -dojos | --dojos) dojos="${args[i + 1]}" ;;
    -members | --members) members="${args[i + 1]}" ;;
  esac
done
sockets=$((dojos * members))
per_org=$(((dojos + 9) / 10 * members))
((per_org < 400)) && per_org=400

# One descriptor per socket in the load generator (and the HTTP connections):
# as root the hard limit is raised to what the run needs, else the hard limit is used.
need=$((sockets + 4096))
if (($(ulimit -Hn) < need)) && [[ "$(id -u)" == 0 ]]; then
  # Root without CAP_SYS_RESOURCE (a container, a sandbox) may not raise it.
  ulimit -Hn "$need" 2>/dev/null || true
fi
ulimit -n "$(ulimit -Hn)"
# Where it may not be raised, the sockets go to several load generators, each
# with its own dojos and under the limit; they start the edit steps together.
shards=1
if (($(ulimit -n) < need)); then
  if ((sockets > 8000)) && (($(ulimit -n) > 8192)); then
    shards=$(((sockets + $(ulimit -n) - 4096 - 1) / ($(ulimit -n) - 4096)))
    echo "bench/dojo: the hard limit is $(ulimit -n) open files, not $need (this process may not" \
      "raise it): $shards load generators with $((sockets / shards)) sockets each" >&2
  else
    echo "bench/dojo: need $need open files for $sockets sockets, the hard limit is $(ulimit -Hn)" \
      "and this process may not raise it (CAP_SYS_RESOURCE)" >&2
    exit 1
  fi
fi
# What else bounds the number of sockets on one machine: say it, check what can be checked.
ports="$(tr -s '\t ' ' ' </proc/sys/net/ipv4/ip_local_port_range)"
echo "bench/dojo: $sockets sockets; open files $(ulimit -n); somaxconn $(cat /proc/sys/net/core/somaxconn);" \
  "ephemeral ports $ports per source address" >&2
for pidfile in "$ROOT/var/run/dojo-web.pid" "$ROOT/var/run/dojo-web2.pid"; do
  read -r pid _ <"$pidfile" || pid=0  # the pid, then its start time
  files="$(awk '/Max open files/ {print $4}' "/proc/$pid/limits" 2>/dev/null || echo 0)"
  if ((files < sockets / 2 + 1024)); then
    echo "bench/dojo: daphne $pid may open $files files, $((sockets / 2 + 1024)) needed" >&2
    exit 1
  fi
done
if ((sockets > 8000)) && [[ " ${args[*]} " != *" -ws-direct "* ]]; then
  echo "bench/dojo: over 8,000 sockets the gateway runs out of connections; use the 20k mode" >&2
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

deadline=$((SECONDS + limit))
remaining() { echo $((deadline - SECONDS)); }

# The load generator is Go (one goroutine per socket, a few KB each): a Python
# client for 4,000 sockets would compete with daphne for the two cores.
echo "bench/dojo: building the load generator (Go) into var/bench/dojo-loadgen" >&2
(cd "$HERE/loadgen" && go build -o "$OUT/dojo-loadgen" .)

echo "bench/dojo: organizations, members and their access tokens (accounts)" >&2
(
  cd "$ROOT/services/accounts"
  exec timeout --kill-after=10 180 "$ROOT/var/venv/bin/python" "$HERE/seed_accounts.py" \
    --organizations 10 --members "$per_org" --token-minutes "$token_minutes"
) >"$OUT/dojo-plan.json" &
children+=($!)
wait "${children[-1]}"

echo "bench/dojo: load" >&2
loadgen=(timeout --signal=INT --kill-after=30 "$(remaining)" "$OUT/dojo-loadgen"
  -plan "$OUT/dojo-plan.json"
  -daphne-pidfiles "$ROOT/var/run/dojo-web.pid,$ROOT/var/run/dojo-web2.pid"
  -nginx-pidfile "$ROOT/var/run/gateway.pid"
  -postgres-pidfile "$ROOT/var/run/postgres.pid"
  -redis-pidfile "$ROOT/var/run/redis.pid")
sampler=(-lock-sampler "$ROOT/var/venv/bin/python $HERE/lock_waits.py")
# The instances' logs from here on: their event-loop stops (DOJO_STALL_LOG_MS, ADR 0051).
logs=()
for name in dojo-web dojo-web2; do
  log="$ROOT/var/log/$name.log"
  logs+=("$log@$(stat -c %s "$log" 2>/dev/null || echo 0)")
done
stops() {
  echo
  "$ROOT/var/venv/bin/python" "$HERE/stops.py" "$OUT/dojo-results.md" "${logs[@]}" |
    tee -a "$OUT/dojo-results.md"
}
if ((shards == 1)); then
  exec {results}> >(tee "$OUT/dojo-results.md")
  writer=$!
  "${loadgen[@]}" "${sampler[@]}" "${args[@]}" >&"$results" &
  children+=($!)
  status=0
  wait "${children[-1]}" || status=$?
  exec {results}>&-
  wait "$writer" || true
  stops
  exit "$status"
else
  rm -rf "$OUT/barrier" "$OUT"/dojo-results-*.md && mkdir -p "$OUT/barrier"
  generators=()
  for ((i = 0; i < shards; i++)); do
    # The lock waits are sampled once, by the first.
    extra=()
    ((i == 0)) && extra=("${sampler[@]}")
    "${loadgen[@]}" "${extra[@]}" "${args[@]}" -shard "$i/$shards" -barrier "$OUT/barrier" \
      >"$OUT/dojo-results-$i.md" 2> >(sed -u "s/^/[load generator $((i + 1))] /" >&2) &
    children+=($!)
    generators+=($!)
  done
  status=0
  for pid in "${generators[@]}"; do
    wait "$pid" || status=1
  done
  cat "$OUT"/dojo-results-*.md | tee "$OUT/dojo-results.md"
  stops
  exit "$status"
fi
