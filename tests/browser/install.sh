#!/usr/bin/env bash
# Makes the browser suite's toolchain ready; idempotent (a second run only checks).
#   - Chromium: Debian's package, installed by `make bootstrap` (local/bootstrap.sh).
#   - Playwright for Python: pinned in requirements-dev.txt, in var/venv; it drives the
#     system Chromium by its path and downloads no browser of its own.
#   - axe-core: pinned by package-lock.json, `npm ci` into var/browser/node_modules,
#     with npm's cache in var/downloads/npm (kept by make clean-state).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../local/lib.sh"

HERE="$POCDEX_ROOT/tests/browser"
NODE_DIR="$POCDEX_VAR/browser"

command -v "${POCDEX_CHROMIUM:-chromium}" >/dev/null || die "no Chromium; run make bootstrap (Debian's chromium package)"
command -v npm >/dev/null || die "no npm; run make bootstrap"
"$VENV/bin/python" -c 'import playwright' 2>/dev/null || die "no Playwright in var/venv; run make bootstrap"

stamp="$(cat "$HERE/package.json" "$HERE/package-lock.json" | sha256sum | cut -c1-16)"
if [[ -f "$NODE_DIR/.installed-$stamp" ]]; then
  info "axe-core ready (var/browser/node_modules)"
  exit 0
fi
log "installing axe-core (npm ci into var/browser)"
rm -rf "$NODE_DIR"
mkdir -p "$NODE_DIR" "$DOWNLOADS/npm"
cp "$HERE/package.json" "$HERE/package-lock.json" "$NODE_DIR/"
(cd "$NODE_DIR" && npm ci --no-audit --no-fund --ignore-scripts --cache "$DOWNLOADS/npm" -q)
[[ -s "$NODE_DIR/node_modules/axe-core/axe.min.js" ]] || die "npm ci did not produce axe.min.js"
touch "$NODE_DIR/.installed-$stamp"
info "axe-core $(cd "$NODE_DIR" && node -p 'require("axe-core/package.json").version') ready"
