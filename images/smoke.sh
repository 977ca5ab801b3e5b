#!/usr/bin/env bash
# Smoke test of one built image, run the way the Helm chart runs it: --read-only --tmpfs /tmp
# --user 10001 --network host, with a production environment of dummy but valid values.
#
#   images/smoke.sh <service> <image>     (dockerd must answer on $DOCKER_HOST)
#
# 1. the image's configuration: user 10001, WORKDIR /app, no HEALTHCHECK, OCI labels;
# 2. images/smoke_checks.py inside the container: manage.py check --deploy, the Celery app,
#    gunicorn/daphne, no compiler or pip, read-only root, ffmpeg in media, no build CA copy;
# 3. the default command, bound to a free port, answers /healthz with 200.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

svc="${1:?service}"
image="${2:?image}"
log "smoke test of $image"

# 1. configuration
python3 - "$svc" <("$DOCKER" image inspect "$image") <<'PY' || die "$image: configuration"
import json, sys
svc, config = sys.argv[1], json.load(open(sys.argv[2]))[0]["Config"]
labels = config.get("Labels") or {}
problems = []
if config.get("User") != "10001:10001":
    problems.append(f"user {config.get('User')!r}, not 10001:10001")
if config.get("WorkingDir") != "/app":
    problems.append(f"WORKDIR {config.get('WorkingDir')!r}")
if config.get("Healthcheck"):
    problems.append("a HEALTHCHECK (the chart's probes decide)")
for key in ("source", "revision", "version", "created", "title", "licenses"):
    if not labels.get(f"org.opencontainers.image.{key}"):
        problems.append(f"no org.opencontainers.image.{key} label")
if labels.get("org.opencontainers.image.title") != f"pocdex-{svc}":
    problems.append("title label")
if labels.get("org.opencontainers.image.revision") in (None, "", "unknown"):
    problems.append("revision label not set by the build")
server = "daphne" if svc == "dojo" else "gunicorn"
if (config.get("Cmd") or [None])[0] != server:
    problems.append(f"default command {config.get('Cmd')}, not {server}")
for line in problems:
    print(f"FAIL {line}")
if not problems:
    print("ok   image configuration (user, workdir, no healthcheck, labels, command)")
sys.exit(1 if problems else 0)
PY

# Dummy production values: nothing listens at these names, and check --deploy opens no connection.
env_file="$(mktemp)"
trap 'rm -f "$env_file"' EXIT
strong() { python3 -c 'import secrets; print(secrets.token_urlsafe(48))'; }
{
  echo "POCDEX_ENV=production"
  echo "DJANGO_SECRET_KEY=$(strong)"
  echo "ALLOWED_HOSTS=127.0.0.1,localhost"
  echo "REDIS_URL=rediss://cache.internal:6379/0"
  echo "CACHE_URL=rediss://cache.internal:6379/2"
  echo "CHANNEL_REDIS_URL=rediss://cache.internal:6379/3"
  echo "JWKS_URL=https://api.example.com/.well-known/jwks.json"
  echo "ACCOUNTS_URL=http://accounts.internal"
  echo "POCS_URL=http://pocs.internal"
  echo "DOJO_URL=http://dojo.internal"
  echo "OPENSEARCH_URL=https://search.internal"
  echo "AWS_REGION=sa-east-1"
  # Celery on SQS as on AWS (the settings compute the transport options; nothing connects).
  echo "POCDEX_BROKER_URL=sqs://"
  echo "SQS_QUEUE_URL_PREFIX=https://sqs.sa-east-1.amazonaws.com/123456789012/"
  echo "PUSH_APNS_APPLICATION_ARN=arn:aws:sns:sa-east-1:123456789012:app/APNS/pocdex-ios"
  echo "PUSH_FCM_APPLICATION_ARN=arn:aws:sns:sa-east-1:123456789012:app/GCM/pocdex-android"
  # accounts' billing (Stripe): a key and a webhook secret of production's shape.
  echo "STRIPE_API_KEY=sk_live_$(strong)"
  echo "STRIPE_WEBHOOK_SECRET=whsec_$(strong)"
  db_password="$(strong)"
  for name in "${SERVICES[@]}"; do
    echo "DATABASE_URL_${name^^}=postgres://$name:$db_password@db-$name.internal:5432/$name"
    [[ "$name" == accounts ]] || echo "SERVICE_CLIENT_SECRET_${name^^}=$(strong)"
  done
  # Extra variables a service's production settings need (KEY=VALUE lines), when they grow.
  if [[ -f "$IMAGES_DIR/smoke.env" ]]; then grep -vE '^\s*(#|$)' "$IMAGES_DIR/smoke.env"; fi
} >"$env_file"

run=(--rm --read-only --tmpfs /tmp:rw,nosuid,nodev,size=256m --user 10001:10001 --network host
  --env-file "$env_file")

# 2. inside the container. The build's CA bundle, by hash: no layer may hold a copy of it.
ca="${POCDEX_BUILD_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
ca_env=()
if [[ -s "$ca" ]]; then
  ca_env=(-e "BUILD_CA_SHA256=$(sha256sum "$ca" | cut -d' ' -f1)" -e "BUILD_CA_SIZE=$(stat -c %s "$ca")")
fi
"$DOCKER" run "${run[@]}" "${ca_env[@]}" -v "$IMAGES_DIR/smoke_checks.py:/smoke/checks.py:ro" \
  "$image" python /smoke/checks.py "$svc" || die "$image: checks inside the container failed"

# 3. the default command, moved to a free port (the host network is shared with the local stack).
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mapfile -t cmd < <(python3 - "$port" <("$DOCKER" image inspect "$image") <<'PY'
import json, sys
port, cmd = sys.argv[1], json.load(open(sys.argv[2]))[0]["Config"]["Cmd"]
out = []
for arg in cmd:
    arg = {"0.0.0.0:8000": f"127.0.0.1:{port}", "0.0.0.0": "127.0.0.1", "8000": port}.get(arg, arg)
    out.append(arg)
print("\n".join(out))
PY
)
name="pocdex-smoke-$svc-$port"
"$DOCKER" run -d --name "$name" "${run[@]}" "$image" "${cmd[@]}" >/dev/null
status=""
deadline=$((SECONDS + 90))
while ((SECONDS < deadline)); do
  status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)"
  [[ "$status" == 200 ]] && break
  "$DOCKER" inspect "$name" >/dev/null 2>&1 || break
  sleep 0.5
done
if [[ "$status" != 200 ]]; then
  "$DOCKER" logs "$name" 2>&1 | tail -30 >&2 || true
  "$DOCKER" rm -f "$name" >/dev/null 2>&1 || true
  die "$image: ${cmd[*]} did not answer /healthz with 200 (last: ${status:-nothing})"
fi
"$DOCKER" rm -f "$name" >/dev/null
echo "ok   ${cmd[0]} answers /healthz on a read-only root as uid 10001"
log "smoke test of $image passed"
