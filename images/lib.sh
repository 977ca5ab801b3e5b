# Sourced by the images/ scripts: paths and a dockerd of our own.
# Docker's state lives under /var/cache/pocdex (it survives make clean-state); the
# socket, pid file and log under var/docker (git-ignored).
set -euo pipefail

IMAGES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POCDEX_ROOT="$(cd "$IMAGES_DIR/.." && pwd)"
IMAGES_CACHE="${POCDEX_IMAGES_CACHE:-/var/cache/pocdex/images}"
DOCKER_RUN_DIR="$POCDEX_ROOT/var/docker"
DOCKER_DATA_ROOT="${POCDEX_DOCKER_DATA_ROOT:-$IMAGES_CACHE/docker}"
export DOCKER_HOST="${POCDEX_DOCKER_HOST:-unix://$DOCKER_RUN_DIR/docker.sock}"
# Debian's client (20.10) matches its daemon and has BuildKit built in; another docker
# client earlier on PATH may want a buildx plugin that is not installed.
DOCKER="${POCDEX_DOCKER:-/usr/bin/docker}"
SERVICES=(accounts pocs dojo media)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() {
  printf '\033[31mxxx %s\033[0m\n' "$*" >&2
  exit 1
}

# Debian's docker.io (dockerd 20.10 with containerd and runc) when it is missing.
ensure_docker() {
  if docker_up || { command -v dockerd >/dev/null && [[ -x "$DOCKER" ]]; }; then
    return 0
  fi
  log "installing docker.io from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io >/dev/null \
    || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io >/dev/null; }
}

docker_up() { "$DOCKER" info >/dev/null 2>&1; }

# Starts a dockerd of our own unless one already answers on our socket. It publishes
# nothing (no bridge, no iptables): builds and smoke tests use the host's network.
# --experimental: docker import --platform (a base of another architecture) needs it on 20.10.
# STARTED_DOCKERD=1 tells stop_dockerd that this run owns it.
STARTED_DOCKERD=0
DOCKERD_PID=
start_dockerd() {
  mkdir -p "$DOCKER_RUN_DIR" "$DOCKER_DATA_ROOT"
  if docker_up; then
    log "dockerd already answers on $DOCKER_HOST"
    return 0
  fi
  local driver="${1:-${POCDEX_DOCKER_STORAGE_DRIVER:-overlay2}}"
  log "starting dockerd ($driver) on $DOCKER_HOST, data in $DOCKER_DATA_ROOT"
  "$(command -v dockerd || echo /usr/sbin/dockerd)" --host "$DOCKER_HOST" --data-root "$DOCKER_DATA_ROOT" \
    --exec-root "$DOCKER_RUN_DIR/exec" --pidfile "$DOCKER_RUN_DIR/docker.pid" \
    --iptables=false --ip-masq=false --bridge=none --storage-driver "$driver" --experimental \
    >"$DOCKER_RUN_DIR/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  STARTED_DOCKERD=1
  local deadline=$((SECONDS + 60))
  until docker_up; do
    if ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
      STARTED_DOCKERD=0
      if [[ "$driver" == overlay2 ]]; then
        log "dockerd refused overlay2 (see $DOCKER_RUN_DIR/dockerd.log); retrying with vfs"
        start_dockerd vfs
        return
      fi
      die "dockerd exited (see $DOCKER_RUN_DIR/dockerd.log)"
    fi
    ((SECONDS < deadline)) || die "dockerd did not answer within 60 s (see $DOCKER_RUN_DIR/dockerd.log)"
    sleep 0.5
  done
}

stop_dockerd() {
  ((STARTED_DOCKERD)) || return 0
  local pid="$DOCKERD_PID"
  log "stopping dockerd ($pid)"
  kill "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
  STARTED_DOCKERD=0
}
