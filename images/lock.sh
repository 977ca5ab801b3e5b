#!/usr/bin/env bash
# Regenerates services/<svc>/requirements.lock from the service's requirements.txt and the
# shared package's dependencies (shared/pyproject.toml), every file pinned with its hashes,
# for Debian 12's Python 3.11 on any architecture (--universal). Run it after changing a
# requirements.txt or shared/pyproject.toml; images/tests/test_locks.py fails until then.
# Without a service name it also locks images/build-requirements.lock (the builder's setuptools).
#
#   images/lock.sh [service...]          (default: every service)
#   images/lock.sh --upgrade [service...] (newest versions the ranges allow)
#
# uv is pinned and installed into var/images-tools on first use.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

UV_VERSION=0.13.8
TOOLS="$POCDEX_ROOT/var/images-tools"
if [[ ! -x "$TOOLS/bin/uv" ]] || [[ "$("$TOOLS/bin/uv" --version)" != "uv $UV_VERSION"* ]]; then
  log "installing uv $UV_VERSION into var/images-tools"
  python3 -m venv "$TOOLS"
  "$TOOLS/bin/pip" install --quiet "uv==$UV_VERSION"
fi

upgrade=()
if [[ "${1:-}" == --upgrade ]]; then
  upgrade=(--upgrade)
  shift
fi
services=("$@")
((${#services[@]})) || services=("${SERVICES[@]}")

cd "$POCDEX_ROOT"
for svc in "${services[@]}"; do
  [[ -f "services/$svc/requirements.txt" ]] || die "no services/$svc/requirements.txt"
  log "locking services/$svc/requirements.lock"
  # uv keeps the versions already in the lock unless --upgrade is given.
  SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" UV_CUSTOM_COMPILE_COMMAND="images/lock.sh $svc" \
    "$TOOLS/bin/uv" pip compile --quiet --universal --python-version 3.11 --generate-hashes \
    "${upgrade[@]}" --constraint images/lock-constraints.txt --output-file "services/$svc/requirements.lock" \
    "services/$svc/requirements.txt" shared/pyproject.toml
done
# setuptools for building the shared package's wheel in the builder stage.
if [[ "$#" -eq 0 ]]; then
  log "locking images/build-requirements.lock"
  SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" UV_CUSTOM_COMPILE_COMMAND="images/lock.sh" \
    "$TOOLS/bin/uv" pip compile --quiet --universal --python-version 3.11 --generate-hashes \
    "${upgrade[@]}" --output-file images/build-requirements.lock images/build-requirements.txt
fi
