# shellcheck shell=bash
# Helpers shared by the local platform scripts (sourced, never executed).
#
# Every script under local/ sources this file first. It computes the repo root
# from its own location, so the scripts work from any clone folder.

POCDEX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POCDEX_VAR="$POCDEX_ROOT/var"
VENV="$POCDEX_VAR/venv"
RUN_DIR="$POCDEX_VAR/run"
LOG_DIR="$POCDEX_VAR/log"
DOWNLOADS="$POCDEX_VAR/downloads"

# Versions of what we fetch by Maven coordinates (see local/README in docs/local-stack.md).
OPENSEARCH_VERSION="2.19.6"
S3PROXY_VERSION="2.6.0"
OPENSEARCH_USER="pocdex-os"

# Services in start order; any other services/<name>/manage.py starts after these.
KNOWN_SERVICES=(accounts pocs dojo media)

if [[ -t 1 ]]; then
  _bold=$'\033[1m' _red=$'\033[31m' _yellow=$'\033[33m' _reset=$'\033[0m'
else
  _bold="" _red="" _yellow="" _reset=""
fi

log() { printf '%s==> %s%s\n' "$_bold" "$*" "$_reset"; }
info() { printf '    %s\n' "$*"; }
warn() { printf '%s!!! %s%s\n' "$_yellow" "$*" "$_reset" >&2; }
die() {
  printf '%sxxx %s%s\n' "$_red" "$*" "$_reset" >&2
  exit 1
}

# service_port NAME -> the primary HTTP port of a service (empty when unknown).
service_port() {
  case "$1" in
    accounts) echo 8101 ;;
    pocs) echo 8102 ;;
    dojo) echo 8103 ;;
    media) echo 8104 ;;
    *) echo "" ;;
  esac
}

# service_port_2 NAME -> a second instance port, for services that run two (dojo).
service_port_2() {
  case "$1" in
    dojo) echo 8113 ;;
    *) echo "" ;;
  esac
}

# existing_services -> the services that exist (services/<name>/manage.py), in start order.
existing_services() {
  local name dir
  for name in "${KNOWN_SERVICES[@]}"; do
    if [[ -f "$POCDEX_ROOT/services/$name/manage.py" ]]; then echo "$name"; fi
  done
  for dir in "$POCDEX_ROOT"/services/*/; do
    name="$(basename "$dir")"
    [[ -f "$dir/manage.py" ]] || continue
    [[ " ${KNOWN_SERVICES[*]} " == *" $name "* ]] && continue
    echo "$name"
  done
}

# port_open PORT -> success when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# wait_port NAME PORT SECONDS
wait_port() {
  local name="$1" port="$2" seconds="$3" i
  for ((i = 0; i < seconds * 4; i++)); do
    port_open "$port" && return 0
    sleep 0.25
  done
  warn "$name did not open port $port within ${seconds}s"
  return 1
}

# http_ok URL -> success on a 2xx answer.
http_ok() {
  curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
}

# proc_starttime PID -> the process's start time in clock ticks since boot (empty if gone).
proc_starttime() {
  # Field 22 of /proc/PID/stat; the command name before it may contain spaces.
  sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

# write_pidfile NAME PID -> var/run/NAME.pid holds "PID STARTTIME", so that a pid
# reused after a reboot is never taken for ours (nor signalled by make stop).
write_pidfile() {
  mkdir -p "$RUN_DIR"
  echo "$2 $(proc_starttime "$2")" >"$RUN_DIR/$1.pid"
}

# pid_alive NAME -> success when var/run/NAME.pid names a live process that is ours.
pid_alive() {
  local pidfile="$RUN_DIR/$1.pid" pid started now
  [[ -f "$pidfile" ]] || return 1
  read -r pid started <"$pidfile" || true
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  now="$(proc_starttime "$pid")"
  [[ -z "${started:-}" || "$now" == "$started" ]]
}

# pidfile_pid NAME -> the pid recorded in var/run/NAME.pid.
pidfile_pid() {
  local pid _rest
  read -r pid _rest <"$RUN_DIR/$1.pid"
  echo "$pid"
}

# is_running NAME [PORT] -> pid file names a live process and (if given) the port answers.
is_running() {
  pid_alive "$1" || return 1
  [[ -z "${2:-}" ]] || port_open "$2"
}

# start_bg NAME LOGFILE CWD COMMAND... -> start COMMAND in its own session (setsid),
# so that stop_bg can signal the whole process group; record its pid.
start_bg() {
  local name="$1" logfile="$2" cwd="$3"
  shift 3
  mkdir -p "$RUN_DIR" "$(dirname "$logfile")"
  printf '\n===== %s starting %s =====\n' "$(date -Is)" "$name" >>"$logfile"
  (
    cd "$cwd" || exit 1
    # Nothing inherited beyond stdin, stdout and stderr: a lock the caller holds
    # (flock -x /tmp/pocdex-stack.lock make restart) must not stay held by the
    # processes it starts, which would block every later flock on it.
    for fd in /proc/self/fd/*; do
      fd="${fd##*/}"
      if ((fd > 2)); then eval "exec ${fd}>&-" 2>/dev/null || true; fi
    done
    exec setsid "$@" >>"$logfile" 2>&1 </dev/null
  ) &
  write_pidfile "$name" $!
}

# stop_bg NAME -> TERM the process group recorded in var/run/NAME.pid, KILL after 20 s.
stop_bg() {
  local name="$1" pidfile="$RUN_DIR/$1.pid" pid i
  if ! pid_alive "$name"; then
    rm -f "$pidfile"
    return 0
  fi
  pid="$(pidfile_pid "$name")"
  info "stopping $name (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 80; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name did not stop within 20 s, killing it"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# tail_log FILE -> the last 40 lines of a log, indented, for failure messages.
tail_log() {
  [[ -f "$1" ]] || return 0
  printf '    --- last 40 lines of %s ---\n' "${1#"$POCDEX_ROOT"/}" >&2
  tail -n 40 "$1" | sed 's/^/    | /' >&2
}

# as_user USER COMMAND... -> run COMMAND as USER without a login shell or extra fork.
as_user() {
  local user="$1"
  shift
  if [[ "$(id -un)" == "$user" ]]; then
    "$@"
  else
    setpriv --reuid="$user" --regid="$(id -gn "$user")" --init-groups --reset-env -- \
      env PATH="/usr/local/bin:/usr/bin:/bin" "$@"
  fi
}

# ensure_traversable USER PATH -> let USER reach PATH even when a parent folder is
# private (a clone under /root, say), with a minimal ACL (execute only) on each parent.
ensure_traversable() {
  local user="$1" path="$2" dir="" part
  as_user "$user" test -x "$path" 2>/dev/null && return 0
  command -v setfacl >/dev/null || apt_install acl
  # Walk from / down, so each check sees its parents already fixed.
  local -a parts
  IFS=/ read -r -a parts <<<"${path#/}"
  for part in "${parts[@]}"; do
    dir="$dir/$part"
    if ! as_user "$user" test -x "$dir" 2>/dev/null; then
      info "granting $user traverse (x) on $dir via ACL"
      setfacl -m "u:$user:x" "$dir"
    fi
  done
  as_user "$user" test -x "$path" || die "$user still cannot reach $path"
}

# apt_install PKG... -> install Debian packages without starting their system services.
apt_install() {
  local policy=/usr/sbin/policy-rc.d created_policy=0
  log "installing Debian packages: $*"
  if [[ ! -e "$policy" ]]; then
    # Keep apt from starting the system postgres/redis/nginx on their default ports.
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created_policy=1
  fi
  if [[ -z "${_apt_updated:-}" ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    _apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
  if ((created_policy)); then rm -f "$policy"; fi
}
