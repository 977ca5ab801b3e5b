#!/usr/bin/env bash
# Deletes the local state under var/ (databases, indices, buckets, mail, logs,
# virtualenv), keeping var/downloads so the next make run needs no network for
# OpenSearch and s3proxy. Run it with the stack stopped (make clean-state does).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  local entry port
  [[ -d "$POCDEX_VAR" ]] || return 0
  [[ "$POCDEX_VAR" == "$POCDEX_ROOT/var" ]] || die "refusing to clean $POCDEX_VAR"
  for port in 54329 63799 19200 19000 8025 8000; do
    if port_open "$port"; then
      die "something still listens on 127.0.0.1:$port; run make stop first"
    fi
  done
  log "deleting var/ (keeping var/downloads)"
  for entry in "$POCDEX_VAR"/* "$POCDEX_VAR"/.[!.]*; do
    [[ -e "$entry" ]] || continue
    [[ "$(basename "$entry")" == downloads ]] && continue
    info "rm -rf ${entry#"$POCDEX_ROOT"/}"
    rm -rf -- "$entry"
  done
}

main "$@"
