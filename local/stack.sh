#!/usr/bin/env bash
# Starts, stops and shows the local stack. Every start is idempotent: a component
# that already runs (pid file alive and port answering) is left alone.
#
#   local/stack.sh up [infra]     start infrastructure and gateway (and services, unless "infra")
#   local/stack.sh down           stop everything, tolerating what is already stopped
#   local/stack.sh restart        restart the services (infrastructure stays up)
#   local/stack.sh status         what runs where
#   local/stack.sh logs           follow var/log
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=local/env.sh
source "$POCDEX_ROOT/local/env.sh"

PG_PORT=54329
REDIS_PORT=63799
OS_HTTP_PORT=19200
OS_TRANSPORT_PORT=19300
S3_PORT=19000
SMTP_PORT=1025
MAIL_HTTP_PORT=8025
# Stripe's API mock: billing talks to it locally (STRIPE_API_BASE, ADR 0043).
STRIPE_MOCK_PORT=12111
GATEWAY_PORT=8000
OTLP_PORT=14318

pg_bin() {
  local version
  version="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$version" ]] || die "PostgreSQL is not installed; run make bootstrap"
  echo "/usr/lib/postgresql/$version/bin"
}

# refuse_foreign_port NAME PORT -> die when something that is not ours holds PORT.
refuse_foreign_port() {
  if port_open "$2"; then
    die "port $2 (for $1) is taken by a process this stack did not start; find it with: ss -ltnp 'sport = :$2'"
  fi
}

elapsed_since() { echo "$((SECONDS - $1))s"; }

# --- PostgreSQL ----------------------------------------------------------------

start_postgres() {
  local bin data="$POCDEX_VAR/pg/data" sock="$POCDEX_VAR/pg/run" t=$SECONDS
  bin="$(pg_bin)"
  if [[ -f "$data/postmaster.pid" ]] && as_user postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1 &&
    port_open "$PG_PORT"; then
    write_pidfile postgres "$(head -n 1 "$data/postmaster.pid")"
    info "postgres already running on 127.0.0.1:$PG_PORT"
  else
    log "starting postgres on 127.0.0.1:$PG_PORT"
    refuse_foreign_port postgres "$PG_PORT"
    mkdir -p "$data" "$sock"
    chown postgres: "$POCDEX_VAR/pg" "$data" "$sock"
    chmod 0700 "$data"
    touch "$LOG_DIR/postgres.log" && chown postgres: "$LOG_DIR/postgres.log"
    ensure_traversable postgres "$POCDEX_VAR/pg"
    if [[ ! -f "$data/PG_VERSION" ]]; then
      info "initdb var/pg/data"
      as_user postgres "$bin/initdb" -D "$data" --username=postgres --encoding=UTF8 \
        --locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256 >>"$LOG_DIR/postgres.log"
      echo "include 'pocdex.conf'" >>"$data/postgresql.conf"
    fi
    # Rewritten at every start, so a change here applies after make stop && make run.
    cat >"$data/pocdex.conf" <<EOF
# Written by local/stack.sh at every start; edit there.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$sock'
max_connections = 200
shared_buffers = 256MB
# Durable on disk (fsync stays on); a crash may only lose the last few commits.
synchronous_commit = off
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
    chown postgres: "$data/pocdex.conf"
    as_user postgres "$bin/pg_ctl" -D "$data" -l "$LOG_DIR/postgres.log" -w -t 60 start >/dev/null ||
      {
        tail_log "$LOG_DIR/postgres.log"
        die "postgres did not start"
      }
    write_pidfile postgres "$(head -n 1 "$data/postmaster.pid")"
    info "postgres up in $(elapsed_since "$t")"
  fi
  provision_postgres
}

# The pocdex role (no superuser, may create databases for tests) and one database per service.
provision_postgres() {
  local db
  psql_admin() {
    as_user postgres psql -X -q -v ON_ERROR_STOP=1 -h "$POCDEX_VAR/pg/run" -p "$PG_PORT" -d postgres "$@"
  }
  psql_admin <<'SQL'
SELECT 'CREATE ROLE pocdex LOGIN CREATEDB NOSUPERUSER NOCREATEROLE PASSWORD ''pocdex'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pocdex')
\gexec
SQL
  for db in accounts pocs dojo media; do
    if [[ -z "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]]; then
      info "creating database $db"
      psql_admin -c "CREATE DATABASE $db OWNER pocdex"
    fi
  done
}

stop_postgres() {
  local bin data="$POCDEX_VAR/pg/data"
  bin="$(pg_bin 2>/dev/null)" || return 0
  if [[ -f "$data/postmaster.pid" ]] && as_user postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    info "stopping postgres"
    as_user postgres "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
  fi
  rm -f "$RUN_DIR/postgres.pid"
}

# --- Redis ---------------------------------------------------------------------

start_redis() {
  if is_running redis "$REDIS_PORT"; then
    info "redis already running on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  log "starting redis on 127.0.0.1:$REDIS_PORT"
  refuse_foreign_port redis "$REDIS_PORT"
  mkdir -p "$POCDEX_VAR/redis"
  cat >"$POCDEX_VAR/redis/redis.conf" <<EOF
# Written by local/stack.sh at every start; edit there.
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize no
dir $POCDEX_VAR/redis
appendonly yes
logfile ""
databases 16
EOF
  start_bg redis "$LOG_DIR/redis.log" "$POCDEX_VAR/redis" redis-server "$POCDEX_VAR/redis/redis.conf"
  wait_port redis "$REDIS_PORT" 20 || {
    tail_log "$LOG_DIR/redis.log"
    die "redis did not start"
  }
}

# --- OpenSearch ----------------------------------------------------------------

opensearch_health() {
  curl -fsS --max-time 3 "http://127.0.0.1:$OS_HTTP_PORT/_cluster/health?wait_for_status=yellow&timeout=2s" 2>/dev/null
}

start_opensearch() {
  local dist="$POCDEX_VAR/opensearch/dist" conf="$POCDEX_VAR/opensearch/config" java_home i t=$SECONDS
  if is_running opensearch "$OS_HTTP_PORT"; then
    info "opensearch already running on 127.0.0.1:$OS_HTTP_PORT"
    return 0
  fi
  [[ -x "$dist/bin/opensearch" ]] || die "OpenSearch is not installed; run make bootstrap"
  log "starting opensearch on 127.0.0.1:$OS_HTTP_PORT as $OPENSEARCH_USER (heap 512m)"
  refuse_foreign_port opensearch "$OS_HTTP_PORT"
  refuse_foreign_port opensearch-transport "$OS_TRANSPORT_PORT"
  cp -n "$dist/config/log4j2.properties" "$conf/"
  mkdir -p "$conf/jvm.options.d"
  # The distribution's jvm.options, with paths made absolute and the heap set below.
  sed -e '/^-Xm[sx]/d' \
    -e "s#HeapDumpPath=data#HeapDumpPath=$POCDEX_VAR/opensearch/data#" \
    -e "s#ErrorFile=logs/#ErrorFile=$POCDEX_VAR/opensearch/logs/#" \
    -e "s#file=logs/gc.log#file=$POCDEX_VAR/opensearch/logs/gc.log#" \
    "$dist/config/jvm.options" >"$conf/jvm.options"
  cat >"$conf/opensearch.yml" <<EOF
# Written by local/stack.sh at every start; edit there.
cluster.name: pocdex-local
node.name: pocdex-local-1
discovery.type: single-node
network.host: 127.0.0.1
http.port: $OS_HTTP_PORT
transport.port: $OS_TRANSPORT_PORT
path.data: $POCDEX_VAR/opensearch/data
path.logs: $POCDEX_VAR/opensearch/logs
# A nearly full disk must not turn the local indices read-only.
cluster.routing.allocation.disk.threshold_enabled: false
EOF
  chown -R "$OPENSEARCH_USER:" "$conf"
  java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  start_bg opensearch "$LOG_DIR/opensearch.log" "$POCDEX_VAR/opensearch" \
    setpriv --reuid="$OPENSEARCH_USER" --regid="$OPENSEARCH_USER" --init-groups --reset-env -- \
    env PATH=/usr/bin:/bin \
    OPENSEARCH_JAVA_HOME="$java_home" \
    OPENSEARCH_PATH_CONF="$conf" \
    OPENSEARCH_TMPDIR="$POCDEX_VAR/opensearch/tmp" \
    OPENSEARCH_JAVA_OPTS="-Xms512m -Xmx512m" \
    "$dist/bin/opensearch"
  for ((i = 0; i < 90; i++)); do
    if opensearch_health >/dev/null; then
      info "opensearch up in $(elapsed_since "$t") (cluster $(opensearch_health | sed -E 's/.*"status":"([a-z]+)".*/\1/'))"
      return 0
    fi
    pid_alive opensearch || break
    sleep 1
  done
  tail_log "$LOG_DIR/opensearch.log"
  die "opensearch did not reach yellow health within 90 s"
}

# --- s3proxy -------------------------------------------------------------------

start_s3proxy() {
  local jar="$DOWNLOADS/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar" props="$RUN_DIR/s3proxy.properties"
  if is_running s3proxy "$S3_PORT"; then
    info "s3proxy already running on 127.0.0.1:$S3_PORT"
    return 0
  fi
  [[ -f "$jar" ]] || die "s3proxy is not installed; run make bootstrap"
  log "starting s3proxy on 127.0.0.1:$S3_PORT (files in var/s3)"
  refuse_foreign_port s3proxy "$S3_PORT"
  mkdir -p "$POCDEX_VAR/s3"
  cat >"$props" <<EOF
# Written by local/stack.sh at every start; edit there.
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$AWS_ACCESS_KEY_ID
s3proxy.credential=$AWS_SECRET_ACCESS_KEY
# filesystem-nio2, the successor of the deprecated "filesystem" backend: it lists
# keys as S3 does (no directory entries such as "pocs/" among the objects).
jclouds.provider=filesystem-nio2
jclouds.identity=$AWS_ACCESS_KEY_ID
jclouds.credential=$AWS_SECRET_ACCESS_KEY
jclouds.filesystem.basedir=$POCDEX_VAR/s3
EOF
  start_bg s3proxy "$LOG_DIR/s3proxy.log" "$POCDEX_VAR/s3" java -Xmx256m -jar "$jar" --properties "$props"
  wait_port s3proxy "$S3_PORT" 60 || {
    tail_log "$LOG_DIR/s3proxy.log"
    die "s3proxy did not start"
  }
}

# --- mail catcher --------------------------------------------------------------

start_mailcatcher() {
  if is_running mailcatcher "$MAIL_HTTP_PORT" && port_open "$SMTP_PORT"; then
    info "mail catcher already running (SMTP 127.0.0.1:$SMTP_PORT, web 127.0.0.1:$MAIL_HTTP_PORT)"
    return 0
  fi
  stop_bg mailcatcher
  log "starting mail catcher (SMTP 127.0.0.1:$SMTP_PORT, web http://127.0.0.1:$MAIL_HTTP_PORT)"
  refuse_foreign_port mailcatcher "$SMTP_PORT"
  refuse_foreign_port mailcatcher "$MAIL_HTTP_PORT"
  start_bg mailcatcher "$LOG_DIR/mailcatcher.log" "$POCDEX_ROOT" \
    "$VENV/bin/python" "$POCDEX_ROOT/local/mailcatcher.py" \
    --smtp-port "$SMTP_PORT" --http-port "$MAIL_HTTP_PORT" --dir "$POCDEX_VAR/mail"
  wait_port mailcatcher "$MAIL_HTTP_PORT" 20 && wait_port mailcatcher "$SMTP_PORT" 5 || {
    tail_log "$LOG_DIR/mailcatcher.log"
    die "mail catcher did not start"
  }
}

# --- stripe-mock ------------------------------------------------------------------

# Billing works with no Stripe account: accounts calls this mock (local/stripe-mock.sh
# builds the pinned version once with `go install`).
start_stripe_mock() {
  if is_running stripe-mock "$STRIPE_MOCK_PORT"; then
    info "stripe-mock already running (http://127.0.0.1:$STRIPE_MOCK_PORT)"
    return 0
  fi
  stop_bg stripe-mock
  "$POCDEX_ROOT/local/stripe-mock.sh" >/dev/null || die "stripe-mock could not be built"
  log "starting stripe-mock (http://127.0.0.1:$STRIPE_MOCK_PORT)"
  refuse_foreign_port stripe-mock "$STRIPE_MOCK_PORT"
  start_bg stripe-mock "$LOG_DIR/stripe-mock.log" "$POCDEX_ROOT" \
    "$POCDEX_ROOT/local/stripe-mock.sh" serve "$STRIPE_MOCK_PORT"
  wait_port stripe-mock "$STRIPE_MOCK_PORT" 30 || {
    tail_log "$LOG_DIR/stripe-mock.log"
    die "stripe-mock did not start"
  }
}

# --- OTLP trace receiver -----------------------------------------------------------

# The services export their traces here (OTLP/HTTP); the end-to-end tests read them
# back at $OTLP_RECEIVER_URL/api/spans (pocdex_shared.testing.otlp, ADR 0040).
start_otlp_receiver() {
  if is_running otlp-receiver "$OTLP_PORT"; then
    info "OTLP receiver already running on 127.0.0.1:$OTLP_PORT"
    return 0
  fi
  log "starting OTLP receiver on 127.0.0.1:$OTLP_PORT (spans kept in memory)"
  refuse_foreign_port otlp-receiver "$OTLP_PORT"
  start_bg otlp-receiver "$LOG_DIR/otlp-receiver.log" "$POCDEX_ROOT" \
    "$VENV/bin/python" -m pocdex_shared.testing.otlp --port "$OTLP_PORT"
  wait_port otlp-receiver "$OTLP_PORT" 20 || {
    tail_log "$LOG_DIR/otlp-receiver.log"
    die "OTLP receiver did not start"
  }
}

# --- services ------------------------------------------------------------------

# procfile_entries SERVICE -> "name<TAB>command" for each process line of its Procfile.
procfile_entries() {
  local procfile="$POCDEX_ROOT/services/$1/Procfile"
  [[ -f "$procfile" ]] || return 0
  sed -nE 's/^([A-Za-z0-9_-]+):[[:space:]]*(.+[^[:space:]])[[:space:]]*$/\1\t\2/p' "$procfile"
}

# service_env SERVICE PROC -> env assignments for one service process.
service_env() {
  local svc="$1" proc="$2"
  echo "POCDEX_SERVICE=$svc"
  echo "PORT=$(service_port "$svc")"
  echo "PORT_2=$(service_port_2 "$svc")"
  echo "PROMETHEUS_MULTIPROC_DIR=$RUN_DIR/prom/$svc-$proc"
  echo "VIRTUAL_ENV=$VENV"
  echo "PYTHONUNBUFFERED=1"
  # Traces to the local receiver; only the services' processes get it, tests do not.
  echo "OTEL_EXPORTER_OTLP_ENDPOINT=${OTEL_EXPORTER_OTLP_ENDPOINT:-$OTLP_RECEIVER_URL}"
  echo "OTEL_BSP_SCHEDULE_DELAY=${OTEL_BSP_SCHEDULE_DELAY:-1000}"
}

# service_changed SERVICE -> prints the first file of the service (or of shared/,
# env.sh, requirements-dev.txt) changed since its processes started; fails if none.
# Keeps make run and make test from testing code older than the work tree.
service_changed() {
  local svc="$1" stamp="$RUN_DIR/$1.started" f
  if [[ ! -f "$stamp" ]]; then
    echo "(no start stamp)"
    return 0
  fi
  while IFS= read -r -d '' f; do
    if [[ "$POCDEX_ROOT/$f" -nt "$stamp" ]]; then
      echo "$f"
      return 0
    fi
  done < <(git -C "$POCDEX_ROOT" ls-files -z --cached --others --exclude-standard -- \
    "services/$svc" shared local/env.sh requirements-dev.txt 2>/dev/null)
  return 1
}

stop_service() {
  local pidfile
  for pidfile in "$RUN_DIR/$1"-*.pid; do
    if [[ -f "$pidfile" ]]; then stop_bg "$(basename "$pidfile" .pid)"; fi
  done
  rm -f "$RUN_DIR/$1.started"
}

service_running() {
  local svc="$1" proc _cmd any=0
  while IFS=$'\t' read -r proc _cmd; do
    any=1
    pid_alive "$svc-$proc" || return 1
  done < <(procfile_entries "$svc")
  ((any))
}

# bin/setup migrates and seeds. Its stdout is the message for the developer (the
# demo logins): shown now and again at the end of make run. Progress goes to stderr.
run_service_setup() {
  local svc="$1" dir="$POCDEX_ROOT/services/$1" out="$RUN_DIR/setup-$1.out"
  [[ -x "$dir/bin/setup" ]] || return 0
  log "$svc: bin/setup (migrate and seed)"
  local -a environment
  mapfile -t environment < <(service_env "$svc" setup)
  mkdir -p "$RUN_DIR/prom/$svc-setup"
  if ! (cd "$dir" && env "${environment[@]}" \
    bash -c 'source "$POCDEX_ROOT/local/env.sh" && exec bin/setup') \
    2> >(tee "$LOG_DIR/$svc-setup.log" | sed 's/^/    ! /' >&2) >"$out.new"; then
    sed 's/^/    | /' "$out.new"
    die "$svc: bin/setup failed (stderr in var/log/$svc-setup.log)"
  fi
  mv "$out.new" "$out"
  sed 's/^/    | /' "$out"
}

# wait_healthz SERVICE PORT SECONDS
wait_healthz() {
  local svc="$1" port="$2" seconds="$3" i f
  local proc _cmd exited=""
  for ((i = 0; i < seconds * 2; i++)); do
    http_ok "http://127.0.0.1:$port/healthz" && return 0
    while IFS=$'\t' read -r proc _cmd; do
      pid_alive "$svc-$proc" || exited="$proc"
    done < <(procfile_entries "$svc")
    [[ -z "$exited" ]] || break
    sleep 0.5
  done
  if [[ -n "$exited" ]]; then
    warn "$svc: process '$exited' exited while waiting for /healthz on 127.0.0.1:$port"
  else
    warn "$svc: /healthz on 127.0.0.1:$port did not answer 2xx within ${seconds}s"
  fi
  for f in "$LOG_DIR/$svc"-*.log; do
    if [[ -f "$f" ]]; then tail_log "$f"; fi
  done
  return 1
}

start_service() {
  local svc="$1" dir="$POCDEX_ROOT/services/$1" proc cmd port port2 changed t=$SECONDS
  local -a environment
  port="$(service_port "$svc")"
  port2="$(service_port_2 "$svc")"
  if [[ ! -f "$dir/Procfile" ]]; then
    warn "$svc: no services/$svc/Procfile, nothing to start"
    return 0
  fi
  if service_running "$svc" && { [[ -z "$port" ]] || http_ok "http://127.0.0.1:$port/healthz"; }; then
    if ! changed="$(service_changed "$svc")"; then
      info "$svc already running${port:+ on 127.0.0.1:$port}"
      return 0
    fi
    log "$svc: restarting, its code changed since it started ($changed)"
    stop_service "$svc"
  fi
  run_service_setup "$svc"
  # After setup (which may write git-ignored files such as collected static files).
  touch "$RUN_DIR/$svc.started"
  while IFS=$'\t' read -r proc cmd; do
    pid_alive "$svc-$proc" && continue
    log "$svc: starting $proc: $cmd"
    rm -rf "$RUN_DIR/prom/$svc-$proc" && mkdir -p "$RUN_DIR/prom/$svc-$proc"
    mapfile -t environment < <(service_env "$svc" "$proc")
    start_bg "$svc-$proc" "$LOG_DIR/$svc-$proc.log" "$dir" \
      env "${environment[@]}" bash -c 'source "$POCDEX_ROOT/local/env.sh" && exec '"$cmd"
  done < <(procfile_entries "$svc")
  if [[ -n "$port" ]]; then
    wait_healthz "$svc" "$port" 60 || die "$svc did not become healthy"
    if [[ -n "$port2" ]] && grep -qE "PORT_2|$port2" "$dir/Procfile"; then
      wait_healthz "$svc" "$port2" 60 || die "$svc (second instance) did not become healthy"
    else
      port2=""
    fi
    info "$svc healthy on 127.0.0.1:$port${port2:+ and 127.0.0.1:$port2} ($(elapsed_since "$t"))"
  else
    warn "$svc has no known port; not waiting for /healthz"
  fi
}

start_services() {
  local svc
  mapfile -t services < <(existing_services)
  if ((${#services[@]} == 0)); then
    info "no services yet (a service exists when services/<name>/manage.py does)"
    return 0
  fi
  for svc in "${services[@]}"; do
    start_service "$svc"
  done
}

# Stops every process of every service folder (var/run/<service>-<process>.pid).
stop_services() {
  local dir
  for dir in "$POCDEX_ROOT"/services/*/; do
    stop_service "$(basename "$dir")"
  done
}

# --- gateway -------------------------------------------------------------------

render_gateway() {
  local out="$POCDEX_VAR/nginx" user_line="" v6="" v6_plain="" f
  mkdir -p "$out"/tmp/{client_body,proxy,fastcgi,uwsgi,scgi}
  if [[ "$(id -u)" == 0 ]]; then
    # Root starts the master (it opens the logs); the workers run unprivileged.
    local worker=www-data
    id "$worker" >/dev/null 2>&1 || worker=nobody
    user_line="user $worker;"
    chown -R "$worker" "$out/tmp"
  fi
  if grep -qE '^0{31}1 ' /proc/net/if_inet6 2>/dev/null; then
    v6="listen [::1]:$GATEWAY_PORT default_server;"
    v6_plain="listen [::1]:$GATEWAY_PORT;"
  fi
  render() {
    sed -e "s#@ROOT@#$POCDEX_ROOT#g" -e "s#@VAR@#$POCDEX_VAR#g" -e "s#@USER@#$user_line#g" \
      -e "s#@LISTEN_V6@#$v6#g" -e "s#@LISTEN_V6_PLAIN@#$v6_plain#g" "$1" >"$2.new"
    if cmp -s "$2.new" "$2"; then rm -f "$2.new"; else mv "$2.new" "$2" && GATEWAY_CHANGED=1; fi
  }
  GATEWAY_CHANGED=0
  render "$POCDEX_ROOT/local/nginx.conf.template" "$out/nginx.conf"
  for f in "$POCDEX_ROOT"/local/nginx/*.conf; do
    render "$f" "$out/$(basename "$f")"
  done
  nginx -t -q -p "$out/" -c "$out/nginx.conf" 2>&1 | grep -v 'test is successful' >&2 || true
  nginx -t -q -p "$out/" -c "$out/nginx.conf" >/dev/null 2>&1 || die "the rendered gateway configuration is invalid (var/nginx/nginx.conf)"
}

start_gateway() {
  render_gateway
  if is_running gateway "$GATEWAY_PORT"; then
    if ((GATEWAY_CHANGED)); then
      info "gateway configuration changed: reloading"
      kill -HUP "$(pidfile_pid gateway)"
      sleep 1 # the reload is asynchronous
    else
      info "gateway already running on http://localhost:$GATEWAY_PORT"
    fi
    return 0
  fi
  log "starting gateway (nginx) on http://localhost:$GATEWAY_PORT"
  refuse_foreign_port gateway "$GATEWAY_PORT"
  start_bg gateway "$LOG_DIR/gateway.log" "$POCDEX_VAR/nginx" \
    nginx -p "$POCDEX_VAR/nginx/" -c "$POCDEX_VAR/nginx/nginx.conf"
  wait_port gateway "$GATEWAY_PORT" 10 || {
    tail_log "$LOG_DIR/gateway-error.log"
    die "gateway did not start"
  }
}

# --- commands ------------------------------------------------------------------

print_summary() {
  local svc port
  echo
  log "Pocdex local stack is up"
  printf '    %-22s %s\n' \
    "gateway (API, admin)" "$GATEWAY_URL  (tenant pages: http://<slug>.localhost:$GATEWAY_PORT)" \
    "mail (web inbox)" "$MAILCATCHER_URL" \
    "traces (OTLP)" "$OTLP_RECEIVER_URL/v1/traces  (spans: $OTLP_RECEIVER_URL/api/spans)" \
    "OpenSearch" "$OPENSEARCH_URL" \
    "S3 (s3proxy)" "$S3_ENDPOINT_URL  (key $AWS_ACCESS_KEY_ID / $AWS_SECRET_ACCESS_KEY)" \
    "PostgreSQL" "postgres://pocdex:pocdex@127.0.0.1:$PG_PORT/{accounts,pocs,dojo,media}" \
    "Redis" "$REDIS_URL"
  while read -r svc; do
    [[ -n "$svc" ]] || continue
    port="$(service_port "$svc")"
    printf '    %-22s %s\n' "$svc" "${port:+http://127.0.0.1:$port  }docs: $GATEWAY_URL/api/docs/$svc"
  done < <(existing_services)
  for svc in $(existing_services); do
    if [[ -s "$RUN_DIR/setup-$svc.out" ]]; then
      log "$svc (from its bin/setup)"
      sed 's/^/    /' "$RUN_DIR/setup-$svc.out"
    fi
  done
}

cmd_up() {
  local scope="${1:-all}" t=$SECONDS
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  start_postgres
  start_redis
  start_opensearch
  start_s3proxy
  start_mailcatcher
  start_stripe_mock
  start_otlp_receiver
  if [[ "$scope" == infra ]]; then
    start_gateway
  else
    start_services
    start_gateway
    print_summary
  fi
  log "stack ready in $(elapsed_since "$t")"
}

cmd_down() {
  log "stopping the local stack"
  stop_services
  stop_bg gateway
  stop_bg mailcatcher
  stop_bg stripe-mock
  stop_bg otlp-receiver
  stop_bg s3proxy
  stop_bg opensearch
  stop_bg redis
  stop_postgres
  log "stopped"
}

cmd_restart() {
  log "restarting the services"
  stop_services
  cmd_up
}

status_line() {
  local name="$1" port="$2" extra="${3:-}" state pid="-"
  if [[ -f "$RUN_DIR/$name.pid" ]]; then pid="$(pidfile_pid "$name")"; fi
  if pid_alive "$name" && { [[ -z "$port" ]] || port_open "$port"; }; then
    state="up"
  elif pid_alive "$name"; then
    state="starting?"
  else
    state="down"
    pid="-"
  fi
  printf '  %-22s %-10s %-8s %-24s %s\n' "$name" "$state" "$pid" "${port:+127.0.0.1:$port}" "$extra"
}

cmd_status() {
  local svc proc _cmd port health
  printf '  %-22s %-10s %-8s %-24s %s\n' NAME STATE PID ADDRESS NOTE
  if [[ -f "$POCDEX_VAR/pg/data/postmaster.pid" ]]; then
    write_pidfile postgres "$(head -n 1 "$POCDEX_VAR/pg/data/postmaster.pid")"
  fi
  status_line postgres "$PG_PORT" "databases accounts pocs dojo media"
  status_line redis "$REDIS_PORT"
  health="$(opensearch_health | sed -nE 's/.*"status":"([a-z]+)".*/cluster \1/p' || true)"
  status_line opensearch "$OS_HTTP_PORT" "$health"
  status_line s3proxy "$S3_PORT"
  status_line mailcatcher "$MAIL_HTTP_PORT" "SMTP 127.0.0.1:$SMTP_PORT"
  status_line stripe-mock "$STRIPE_MOCK_PORT" "billing's Stripe API (mock: nothing is charged)"
  status_line otlp-receiver "$OTLP_PORT" "traces: $OTLP_RECEIVER_URL/api/spans"
  while read -r svc; do
    [[ -n "$svc" ]] || continue
    health=""
    for port in $(service_port "$svc") $(service_port_2 "$svc"); do
      if http_ok "http://127.0.0.1:$port/healthz"; then
        health="$health healthz ok on :$port"
      elif port_open "$port"; then
        health="$health healthz FAILING on :$port"
      fi
    done
    while IFS=$'\t' read -r proc _cmd; do
      status_line "$svc-$proc" "" "${health# }"
      health=""
    done < <(procfile_entries "$svc")
  done < <(existing_services)
  status_line gateway "$GATEWAY_PORT" "$GATEWAY_URL"
}

cmd_logs() {
  mkdir -p "$LOG_DIR"
  exec tail -n 20 -F "$LOG_DIR"/*.log
}

case "${1:-}" in
  up) cmd_up "${2:-all}" ;;
  down) cmd_down ;;
  restart) cmd_restart ;;
  status) cmd_status ;;
  logs) cmd_logs ;;
  *) die "usage: $0 up [infra] | down | restart | status | logs" ;;
esac
