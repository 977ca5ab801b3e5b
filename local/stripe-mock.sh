#!/usr/bin/env bash
# The pinned stripe-mock (Stripe's API mock, a Go module), built once with `go install`
# into /var/cache/pocdex/stripe-mock/<version>/bin (Go's caches in /var/cache/pocdex/go,
# shared with the charts' helm build). Prints the binary's path.
#
#   local/stripe-mock.sh            build if missing, print the path
#   local/stripe-mock.sh serve PORT build if missing, then serve HTTP on 127.0.0.1:PORT
set -euo pipefail

STRIPE_MOCK_VERSION="v0.203.0"
CACHE="${POCDEX_CACHE:-/var/cache/pocdex}"
DIR="$CACHE/stripe-mock/$STRIPE_MOCK_VERSION/bin"
BIN="$DIR/stripe-mock"

if [[ ! -x "$BIN" ]]; then
  mkdir -p "$CACHE/go/mod" "$CACHE/go/build" "$CACHE/go/path" "$DIR"
  (
    flock -x 9
    [[ -x "$BIN" ]] && exit 0
    echo "building stripe-mock $STRIPE_MOCK_VERSION (go install)" >&2
    GOPATH="$CACHE/go/path" GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" \
      GOBIN="$DIR" GOFLAGS=-trimpath CGO_ENABLED=0 GOTOOLCHAIN=local \
      go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION" >&2
  ) 9>"$CACHE/stripe-mock.lock"
fi

if [[ "${1:-}" == serve ]]; then
  # HTTPS on a port the system picks (its default, 12112, may be taken).
  exec "$BIN" -http-addr "127.0.0.1:${2:?port}" -https-addr "127.0.0.1:"
fi
echo "$BIN"
