#!/usr/bin/env bash
# The Helm charts' checks, offline: every chart under charts/ is linted, rendered and validated.
#
#   charts/test.sh             helm lint --strict, helm template into var/manifests/<stage>/,
#                              schema validation, pytest on the rendered YAML, checkov
#   charts/test.sh manifests   only render every chart for every stage into var/manifests/<stage>/
#   charts/test.sh helm        only build the pinned helm if it is not there yet
#
# Toolchain: helm built with `go install` into /var/cache/pocdex/helm/<version>/bin (Go's
# caches in /var/cache/pocdex/go, kept across clean-state), kubernetes-validate in var/venv
# (requirements-dev.txt), checkov in var/cdk-venv/checkov (cdk/requirements-checkov.txt,
# shared with cdk/test.sh).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PY="$ROOT/var/venv/bin/python"
CACHE="${POCDEX_CACHE:-/var/cache/pocdex}"
HELM_VERSION="v3.21.4"
HELM_DIR="$CACHE/helm/$HELM_VERSION/bin"
export POCDEX_HELM="${POCDEX_HELM:-$HELM_DIR/helm}"
CHECKOV_VENV="$ROOT/var/cdk-venv/checkov"
MODE="${1:-all}"

SUMMARY=()
FAILED=0
record() { SUMMARY+=("$(printf '%-5s %-28s %s' "$1" "$2" "${3:-}")"); [[ "$1" != FAIL ]] || FAILED=1; }
log() { printf '\n== %s\n' "$*"; }

# The pinned helm. Several runs may start at once (local/test.sh builds it early in the
# background): the lock makes the others wait for the first build instead of repeating it.
helm_build() {
  [[ -x "$POCDEX_HELM" ]] && return 0
  mkdir -p "$CACHE/go/mod" "$CACHE/go/build" "$CACHE/go/path" "$HELM_DIR"
  (
    flock -x 9
    [[ -x "$POCDEX_HELM" ]] && exit 0
    log "building helm $HELM_VERSION (go install; a few minutes the first time)"
    GOPATH="$CACHE/go/path" GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" \
      GOBIN="$HELM_DIR" GOFLAGS=-trimpath CGO_ENABLED=0 GOTOOLCHAIN=local \
      go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  ) 9>"$CACHE/helm.lock"
}

checkov_venv() {
  local req="$ROOT/cdk/requirements-checkov.txt" stamp
  stamp="$(sha256sum "$req" | cut -c1-16)"
  if [[ ! -f "$CHECKOV_VENV/.installed-$stamp" ]]; then
    log "installing checkov ($req)"
    (
      flock -x 9
      [[ -f "$CHECKOV_VENV/.installed-$stamp" ]] && exit 0
      rm -rf "$CHECKOV_VENV" && python3 -m venv "$CHECKOV_VENV" && "$CHECKOV_VENV/bin/pip" install -q --upgrade pip \
        && "$CHECKOV_VENV/bin/pip" install -q -r "$req" && touch "$CHECKOV_VENV/.installed-$stamp"
    ) 9>/tmp/pocdex-cdk.lock
  fi
}

cd "$HERE" || exit 1
if ! helm_build; then
  record FAIL "toolchain" "go install helm $HELM_VERSION"
  MODE=none
fi
[[ "$MODE" == helm ]] && { echo "helm: $POCDEX_HELM"; exit 0; }
# One run at a time renders into var/manifests.
exec 8>/tmp/pocdex-charts.lock
flock 8

if [[ "$MODE" == manifests ]]; then
  rm -rf "$ROOT/var/manifests"
  "$PY" "$HERE/chartcheck.py" manifests
  exit $?
fi

if [[ "$MODE" == all ]]; then
  log "ruff (the checks' Python)"
  if "$ROOT/var/venv/bin/ruff" check "$HERE" && "$ROOT/var/venv/bin/ruff" format --check "$HERE"; then
    record PASS "ruff"
  else
    record FAIL "ruff" "(ruff check --fix / ruff format charts)"
  fi
  log "mypy (charts/mypy.ini)"
  if (cd "$HERE" && "$ROOT/var/venv/bin/mypy"); then record PASS "mypy"; else record FAIL "mypy"; fi

  log "helm lint --strict (every chart, every stage and service)"
  if out="$("$PY" "$HERE/chartcheck.py" lint 2>&1)"; then record PASS "helm lint --strict"; else echo "$out"; record FAIL "helm lint --strict"; fi

  log "helm template into var/manifests/<stage>/"
  rm -rf "$ROOT/var/manifests"
  if out="$("$PY" "$HERE/chartcheck.py" manifests 2>&1)"; then
    record PASS "helm template" "$(find "$ROOT/var/manifests" -name '*.yaml' | wc -l) files in var/manifests"
  else
    echo "$out"; record FAIL "helm template"
  fi

  log "schema validation (kubernetes-validate --strict; charts/schemas for custom resources)"
  if out="$("$PY" "$HERE/chartcheck.py" validate 2>&1)"; then record PASS "schema validation"; else echo "$out"; record FAIL "schema validation"; fi

  log "pytest (rules on the rendered YAML)"
  (cd "$HERE" && "$PY" -m pytest -q tests 2>&1) | tee "$ROOT/var/charts-pytest.log"
  if (( PIPESTATUS[0] == 0 )); then
    record PASS "pytest" "$(tail -1 "$ROOT/var/charts-pytest.log")"
  else
    record FAIL "pytest" "$(tail -1 "$ROOT/var/charts-pytest.log")"
  fi

  log "checkov (kubernetes; the findings that stay are listed in charts/README.md)"
  if checkov_venv; then
    rm -rf "$ROOT/var/charts-checkov"
    "$CHECKOV_VENV/bin/checkov" --quiet --compact --skip-download --framework kubernetes \
      -d "$ROOT/var/manifests" --output json --output-file-path "$ROOT/var/charts-checkov" >/dev/null 2>&1
    report="$ROOT/var/charts-checkov/results_json.json"
    if [[ -s "$report" ]]; then
      counts="$("$PY" "$HERE/checkov_known.py" "$report" "$HERE/README.md")"
      status=$?
      echo "$counts"
      if (( status == 0 )); then record PASS "checkov" "$(tail -1 <<<"$counts")"; else record FAIL "checkov" "$(tail -1 <<<"$counts")"; fi
    else
      record FAIL "checkov" "no report"
    fi
  else
    record FAIL "toolchain" "checkov"
  fi
fi

printf '\n== summary\n'
printf '%s\n' "${SUMMARY[@]}"
passed=0; failed=0
for line in "${SUMMARY[@]}"; do [[ "$line" == PASS* ]] && passed=$((passed+1)); [[ "$line" == FAIL* ]] && failed=$((failed+1)); done
echo "charts: $passed passed, $failed failed"
exit "$FAILED"
