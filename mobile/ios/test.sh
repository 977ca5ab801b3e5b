#!/usr/bin/env bash
# Builds and tests PocdexKit (mobile/ios/PocdexKit) on Linux, inside a Debian 13 chroot that
# has Swift 6 (Debian's `swiftlang` package), then runs the app's String Catalog check and its
# source check (scripts/check_catalog.py, scripts/typecheck_app.sh) on a full run.
#
#   mobile/ios/test.sh                       build + every test (the live tests need the gateway)
#   mobile/ios/test.sh --filter Search       swift test --filter Search (any swift test option passes through)
#   mobile/ios/test.sh --build-only          swift build only
#   mobile/ios/test.sh --shell 'CMD'         run CMD in the chroot, in the package folder (parse checks ...)
#
# The chroot lives outside the repository (default /var/cache/pocdex/swift-trixie, env
# POCDEX_SWIFT_CHROOT overrides). It is made once with debootstrap and marked ready with a file;
# later runs reuse it. Each run mounts /proc and binds the repository at its own path inside the
# chroot, builds a snapshot of the package (var/ios-build/) with a clean environment, and
# unmounts on exit. Results and logs: var/test-results/ios/. Every run holds
# /tmp/pocdex-swift.lock (the machine has two cores; Swift builds are heavy): a caller that already
# holds it (`flock /tmp/pocdex-swift.lock mobile/ios/test.sh`) passes its descriptor on, so this
# does not wait for itself. Needs root (debootstrap, chroot, mount).
#
# Environment: POCDEX_GATEWAY_URL (default http://127.0.0.1:8000), POCDEX_MAILCATCHER_URL
# (default http://127.0.0.1:8025), POCDEX_DEBIAN_MIRROR (default: the Debian mirror apt uses here).
set -euo pipefail

IOS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$IOS_DIR/../.." && pwd)"
PKG="$IOS_DIR/PocdexKit"
CHROOT="${POCDEX_SWIFT_CHROOT:-/var/cache/pocdex/swift-trixie}"
MARKER="$CHROOT/.pocdex-chroot-ready"
LOCK=/tmp/pocdex-swift.lock
GATEWAY="${POCDEX_GATEWAY_URL:-http://127.0.0.1:8000}"
MAILCATCHER="${POCDEX_MAILCATCHER_URL:-http://127.0.0.1:8025}"
RESULTS="$REPO/var/test-results/ios"
# The build runs on a snapshot of the package (var/ is git-ignored): files edited while the
# compiler reads them broke builds (a Lexer assertion, "modified during the build").
SNAPSHOT="$REPO/var/ios-build/PocdexKit"
PACKAGES="swiftlang,ca-certificates,libc6-dev,libstdc++-14-dev"

say() { printf '==> ios: %s\n' "$*"; }
die() { printf 'xxx ios: %s\n' "$*" >&2; exit 2; }

MODE=test
SHELL_CMD=""
SWIFT_ARGS=()
while (($#)); do
  case "$1" in
    --build-only) MODE=build ;;
    --shell) MODE=shell; shift; SHELL_CMD="${1:?--shell needs a command}" ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) SWIFT_ARGS+=("$1") ;;
  esac
  shift
done

((EUID == 0)) || die "needs root (debootstrap, chroot and mount)"

# --- the lock: reuse a descriptor inherited from `flock FILE cmd`, else take it here -----------
take_lock() {
  local fd link
  for fd in /proc/$$/fd/*; do
    link="$(readlink "$fd" 2>/dev/null || true)"
    if [[ "$link" == "$LOCK" ]]; then
      flock "${fd##*/}"  # the same open file: granted at once when the caller holds it
      return
    fi
  done
  exec 9>>"$LOCK"
  if ! flock -n 9; then
    say "waiting for $LOCK (another Swift build is running)"
    flock 9
  fi
}
take_lock

# --- the chroot --------------------------------------------------------------------------------
mounted_under() { awk -v p="$1" '$2 == p || index($2, p "/") == 1 {print $2}' /proc/self/mounts | sort -r; }

debian_mirror() {
  if [[ -n "${POCDEX_DEBIAN_MIRROR:-}" ]]; then echo "$POCDEX_DEBIAN_MIRROR"; return; fi
  local uri
  uri="$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
    grep -oE 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ')"
  echo "${uri:-http://deb.debian.org/debian}"
}

create_chroot() {
  local partial="$CHROOT.partial" t=$SECONDS mirror
  command -v debootstrap >/dev/null || {
    say "installing debootstrap"
    apt-get install -y debootstrap >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y debootstrap >/dev/null; }
  }
  if [[ -e "$partial" ]]; then
    # A run that stopped half-way: nothing may stay mounted in it before it is removed.
    local m
    for m in $(mounted_under "$partial"); do umount -l "$m"; done
    [[ -z "$(mounted_under "$partial")" ]] || die "$partial still has mounts; not removing it"
    rm -rf --one-file-system "$partial"
  fi
  [[ ! -e "$CHROOT" ]] || die "$CHROOT exists without $MARKER; move it away or set POCDEX_SWIFT_CHROOT"
  mirror="$(debian_mirror)"
  say "creating the Debian 13 chroot at $CHROOT from $mirror (once per machine; about 4 minutes)"
  mkdir -p "$(dirname "$CHROOT")"
  debootstrap --variant=minbase --include="$PACKAGES" trixie "$partial" "$mirror" >"$CHROOT.log" 2>&1 ||
    { tail -n 20 "$CHROOT.log" >&2; die "debootstrap failed (log: $CHROOT.log)"; }
  rm -rf "$partial/var/cache/apt/archives/"*.deb
  mv "$partial" "$CHROOT"
  date -u +%FT%TZ >"$MARKER"
  say "chroot ready in $((SECONDS - t))s"
  CHROOT_CREATED_IN=$((SECONDS - t))
}

CHROOT_CREATED_IN=""
START=$SECONDS
[[ -f "$MARKER" ]] || create_chroot

# --- mounts (undone on exit) ---------------------------------------------------------------------
MOUNTED=()
cleanup() {
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount_once() {  # mount_once TARGET MOUNT-ARGS...
  local target="$1"; shift
  mkdir -p "$target"
  if ! mountpoint -q "$target"; then
    mount "$@" "$target"
    MOUNTED+=("$target")
  fi
}
mount_once "$CHROOT/proc" -t proc proc
mount_once "$CHROOT$REPO" --bind "$REPO"
# Name resolution and the host's loopback: the chroot shares the network namespace.
cp -f /etc/hosts "$CHROOT/etc/hosts" 2>/dev/null || true
cp -fL /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true

in_chroot() {  # in_chroot DIR 'shell command' -> run in DIR with a clean environment
  env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 TERM=dumb \
    POCDEX_GATEWAY_URL="$GATEWAY" POCDEX_MAILCATCHER_URL="$MAILCATCHER" \
    POCDEX_REPO="$REPO" POCDEX_RESULTS_DIR="$RESULTS" \
    chroot "$CHROOT" /bin/bash -c "cd '$1' && $2"
}

# Compiler messages name the snapshot; show the repository's paths instead.
unsnapshot() { sed -u "s#$SNAPSHOT#$PKG#g"; }

snapshot() {
  command -v rsync >/dev/null || apt-get install -y rsync >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y rsync >/dev/null; }
  mkdir -p "$SNAPSHOT"
  rsync -a --delete --exclude=/.build --exclude=/.swiftpm "$PKG/" "$SNAPSHOT/"
}

mkdir -p "$RESULTS"
STATUS=0
SUMMARY=()

if [[ "$MODE" == shell ]]; then
  in_chroot "$PKG" "$SHELL_CMD"
  exit $?
fi

# --- build -----------------------------------------------------------------------------------------
t=$SECONDS
snapshot
say "swift build ($(in_chroot "$SNAPSHOT" 'swift --version 2>/dev/null | head -n1'))"
if in_chroot "$SNAPSHOT" "swift build --build-tests 2>&1" | unsnapshot | tee "$RESULTS/build.log"; [[ ${PIPESTATUS[0]} -eq 0 ]]; then
  SUMMARY+=("PASS  build (with tests) $((SECONDS - t))s")
else
  SUMMARY+=("FAIL  build (with tests) $((SECONDS - t))s: $RESULTS/build.log")
  errors="$(grep -E '(error|note: expanded code originates here).*' "$RESULTS/build.log" | grep -E '\.swift:[0-9]+:[0-9]+: error|originates here' | sort -u | head -n 15 || true)"
  [[ -z "$errors" ]] || SUMMARY+=("      errors:" "$(sed 's/^/        /' <<<"$errors")")
  STATUS=1
fi

# --- tests -----------------------------------------------------------------------------------------
if [[ "$MODE" == test && $STATUS -eq 0 ]]; then
  t=$SECONDS
  quoted=""
  for a in "${SWIFT_ARGS[@]+"${SWIFT_ARGS[@]}"}"; do quoted+=" $(printf '%q' "$a")"; done
  say "swift test$quoted (gateway $GATEWAY)"
  if in_chroot "$SNAPSHOT" "swift test --skip-build$quoted 2>&1" | unsnapshot | tee "$RESULTS/test.log"; [[ ${PIPESTATUS[0]} -eq 0 ]]; then
    result=PASS
  else
    result=FAIL
    STATUS=1
  fi
  # Swift Testing: "Test run with N tests passed|failed ..."; XCTest: "Executed N tests, with M failures".
  st="$(grep -E 'Test run with [0-9]+ tests? ' "$RESULTS/test.log" | tail -n1 | sed -E 's/^[^A-Za-z]*//' || true)"
  xc="$(grep -E 'Executed [0-9]+ tests?, with' "$RESULTS/test.log" | tail -n1 | sed -E 's/^[[:space:]]*//' || true)"
  SUMMARY+=("$result  swift test $((SECONDS - t))s: ${st:-no Swift Testing run}${xc:+; XCTest: $xc}")
  failed="$(grep -E '✘ Test |error: .* failed|Test Case .* failed|Program crashed' "$RESULTS/test.log" |
    sed -E 's/^[[:space:]]+//' | awk '!seen[$0]++' | head -n 20 || true)"
  [[ -z "$failed" ]] || SUMMARY+=("      failures:" "$(sed 's/^/        /' <<<"$failed")")
fi

# --- String Catalog check (the app's strings, en + pt-BR) -----------------------------------------
CATALOG_CHECK="$IOS_DIR/scripts/check_catalog.py"
if [[ "$MODE" == test && ${#SWIFT_ARGS[@]} -eq 0 ]]; then
  if [[ -f "$CATALOG_CHECK" ]]; then
    if python3 "$CATALOG_CHECK" --self-test >"$RESULTS/catalog.log" 2>&1 && python3 "$CATALOG_CHECK" >>"$RESULTS/catalog.log" 2>&1; then
      SUMMARY+=("PASS  String Catalog check")
    else
      SUMMARY+=("FAIL  String Catalog check: $RESULTS/catalog.log")
      STATUS=1
    fi
    cat "$RESULTS/catalog.log"
  else
    SUMMARY+=("NOTE  String Catalog check: no scripts/check_catalog.py yet")
  fi
fi

# --- the app's Swift files: parsed, and their use of PocdexKit type-checked (scripts by the app) ----
APP_CHECK="$IOS_DIR/scripts/typecheck_app.sh"
if [[ "$MODE" == test && ${#SWIFT_ARGS[@]} -eq 0 ]]; then
  if [[ -x "$APP_CHECK" ]]; then
    t=$SECONDS
    # It re-enters this script with --shell: the lock descriptor and the mounts are inherited.
    if "$APP_CHECK" >"$RESULTS/app-typecheck.log" 2>&1; then
      SUMMARY+=("PASS  app sources parsed, their use of PocdexKit type-checked $((SECONDS - t))s")
    else
      SUMMARY+=("FAIL  app sources check $((SECONDS - t))s: $RESULTS/app-typecheck.log")
      STATUS=1
    fi
    tail -n 5 "$RESULTS/app-typecheck.log"
  else
    SUMMARY+=("NOTE  app sources check: no scripts/typecheck_app.sh")
  fi
fi

echo
say "summary"
[[ -z "$CHROOT_CREATED_IN" ]] || echo "  NOTE  chroot created in ${CHROOT_CREATED_IN}s (first run on this machine)"
for line in "${SUMMARY[@]}"; do echo "  $line"; done
echo "  took $((SECONDS - START))s; logs in $RESULTS"
exit "$STATUS"
