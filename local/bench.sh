#!/usr/bin/env bash
# Runs every benchmark, bench/<name>/run.sh (bash, cwd its folder), with
# local/env.sh sourced, against the running stack (make bench starts it). What
# each measures and its last results: docs/benchmarks.md. Exits non-zero when
# any benchmark failed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=local/env.sh
source "$POCDEX_ROOT/local/env.sh"

main() {
  local found=0 failed=0 script status results=()
  shopt -s nullglob
  for script in "$POCDEX_ROOT"/bench/*/run.sh; do
    found=1
    log "bench: ${script#"$POCDEX_ROOT"/}"
    status=0
    (cd "$(dirname "$script")" && bash "$script") || status=$?
    if ((status == 0)); then
      results+=("PASS  ${script#"$POCDEX_ROOT"/}")
    else
      results+=("FAIL  ${script#"$POCDEX_ROOT"/} (exit $status)")
      failed=1
    fi
  done
  if ((!found)); then
    info "no benchmarks yet (bench/<name>/run.sh)"
    return 0
  fi
  log "benchmarks"
  printf '  %s\n' "${results[@]}"
  return "$failed"
}

main "$@"
