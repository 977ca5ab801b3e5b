# shellcheck shell=bash
# Environment of the local stack, for every service, worker, test and script.
#
#   source local/env.sh      # bash, from any folder
#
# Every value is a safe local default: a variable that is already set in the
# environment wins. Nothing here is a secret; none of it is valid outside this
# machine's loopback stack.

_pocdex_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

_pocdex_default() {
  # _pocdex_default NAME VALUE -> export NAME=VALUE unless NAME is already set.
  if [[ -z "${!1+x}" ]]; then
    export "$1=$2"
  else
    export "${1?}"
  fi
}

_pocdex_default POCDEX_ROOT "$_pocdex_root"
_pocdex_default POCDEX_VAR "$POCDEX_ROOT/var"
_pocdex_default POCDEX_ENV local

# Django. The key is public on purpose: it only ever signs local data.
_pocdex_default DJANGO_SECRET_KEY "local-only-insecure-key-do-not-use-anywhere-else-pocdex-2f9c"
# Local runs like production (JSON errors, no debug pages); set DJANGO_DEBUG=true to debug.
_pocdex_default DJANGO_DEBUG false
# Everything locally comes from one address through the gateway, and the end-to-end
# tests, the media tests and the benchmarks sign up organizations and accept
# invitations by the hundred; the mobile apps' journeys log in and reset passwords
# after the fuzz tests have used up those routes' per-IP windows (an hour for the
# password reset). Looser per-IP limits for these four; the per-account limits and
# every other limit keep their production values.
_pocdex_default THROTTLE_SIGNUP_IP "1000/3600"
_pocdex_default THROTTLE_INVITATION_ACCEPT_IP "1000/3600"
_pocdex_default THROTTLE_LOGIN_IP "600/60"
_pocdex_default THROTTLE_PASSWORD_RESET_IP "1000/3600"

# PostgreSQL: one server, one database per service.
_pocdex_default PGHOST 127.0.0.1
_pocdex_default PGPORT 54329
_pocdex_default DATABASE_URL_ACCOUNTS "postgres://pocdex:pocdex@127.0.0.1:54329/accounts"
_pocdex_default DATABASE_URL_POCS "postgres://pocdex:pocdex@127.0.0.1:54329/pocs"
_pocdex_default DATABASE_URL_DOJO "postgres://pocdex:pocdex@127.0.0.1:54329/dojo"
_pocdex_default DATABASE_URL_MEDIA "postgres://pocdex:pocdex@127.0.0.1:54329/media"

# Redis: one database number per use.
_pocdex_default REDIS_URL "redis://127.0.0.1:63799/0"
# Celery reads CELERY_BROKER_URL from the environment over any setting, so the
# broker has a name of our own and each process (tests included) chooses its own.
_pocdex_default POCDEX_BROKER_URL "redis://127.0.0.1:63799/1"
_pocdex_default CACHE_URL "redis://127.0.0.1:63799/2"
_pocdex_default CHANNEL_LAYER_URL "redis://127.0.0.1:63799/3"

# Search.
_pocdex_default OPENSEARCH_URL "http://127.0.0.1:19200"

# S3 (s3proxy, files on disk under var/s3). boto3 >= 1.36 sends CRC checksums
# by default, which s3proxy does not implement: ask only when AWS requires them.
_pocdex_default S3_ENDPOINT_URL "http://127.0.0.1:19000"
_pocdex_default AWS_ACCESS_KEY_ID pocdex-local
_pocdex_default AWS_SECRET_ACCESS_KEY pocdex-local-secret
_pocdex_default AWS_DEFAULT_REGION us-east-1
_pocdex_default AWS_CONFIG_FILE "$POCDEX_ROOT/local/aws-config"
_pocdex_default AWS_REQUEST_CHECKSUM_CALCULATION when_required
_pocdex_default AWS_RESPONSE_CHECKSUM_VALIDATION when_required
_pocdex_default AWS_EC2_METADATA_DISABLED true

# Mail: SMTP into the local catcher; read it at MAILCATCHER_URL.
_pocdex_default EMAIL_HOST 127.0.0.1
_pocdex_default EMAIL_PORT 1025
_pocdex_default MAILCATCHER_URL "http://127.0.0.1:8025"

# Traces: the local OTLP/HTTP receiver (local/stack.sh points the services at it;
# tests export nothing unless they turn tracing on themselves).
_pocdex_default OTLP_RECEIVER_URL "http://127.0.0.1:14318"

# Gateway and tokens.
_pocdex_default GATEWAY_URL "http://localhost:8000"
_pocdex_default PUBLIC_BASE_DOMAIN localhost
_pocdex_default JWT_ISSUER "http://localhost:8000"
_pocdex_default JWKS_URL "http://127.0.0.1:8101/.well-known/jwks.json"

# Services, directly (service-to-service calls skip the gateway, as in Kubernetes).
_pocdex_default ACCOUNTS_URL "http://127.0.0.1:8101"
_pocdex_default POCS_URL "http://127.0.0.1:8102"
_pocdex_default DOJO_URL "http://127.0.0.1:8103"
_pocdex_default DOJO_URL_2 "http://127.0.0.1:8113"
# daphne's event-loop stops over 20 ms are logged with their stacks (dojos.stalls).
_pocdex_default DOJO_STALL_LOG_MS 20
_pocdex_default MEDIA_URL "http://127.0.0.1:8104"

# The services that exist in this clone (services/<name>/manage.py), in start order.
if [[ -z "${POCDEX_SERVICES+x}" ]]; then
  _pocdex_list=""
  for _pocdex_svc in accounts pocs dojo media; do
    if [[ -f "$POCDEX_ROOT/services/$_pocdex_svc/manage.py" ]]; then
      _pocdex_list="$_pocdex_list,$_pocdex_svc"
    fi
  done
  for _pocdex_dir in "$POCDEX_ROOT"/services/*/; do
    _pocdex_svc="$(basename "$_pocdex_dir")"
    [[ -f "$_pocdex_dir/manage.py" ]] || continue
    case ",accounts,pocs,dojo,media," in *",$_pocdex_svc,"*) continue ;; esac
    _pocdex_list="$_pocdex_list,$_pocdex_svc"
  done
  export POCDEX_SERVICES="${_pocdex_list#,}"
  unset _pocdex_list _pocdex_svc _pocdex_dir
else
  export POCDEX_SERVICES
fi

# The shared virtualenv first on PATH (once).
case ":$PATH:" in
  *":$POCDEX_VAR/venv/bin:"*) ;;
  *) export PATH="$POCDEX_VAR/venv/bin:$PATH" ;;
esac

unset -f _pocdex_default
unset _pocdex_root
