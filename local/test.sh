#!/usr/bin/env bash
# Runs the project's checks and test suites with var/venv; the stack must be up
# (make test starts it). Every suite runs even after a failure; the exit status
# is non-zero when any failed, and a summary closes the output.
#
#   local/test.sh all        lint, typecheck, unit, e2e
#   local/test.sh lint       ruff check + ruff format --check
#   local/test.sh typecheck  mypy for shared/, each service and local/
#   local/test.sh unit       pytest for shared/, each service and local/
#   local/test.sh e2e        pytest for tests/ against the running gateway
#   local/test.sh browser    pytest for tests/browser: the owner console in Debian's Chromium (Playwright, axe-core)
#   local/test.sh aws        pytest for tests/aws: each service's Celery worker on SQS (moto's server)
#   local/test.sh android    mobile/android/test.sh (Kotlin core + Compose UI on the JVM, live journey)
#   local/test.sh ios        mobile/ios/test.sh (PocdexKit on Linux in a Swift chroot, live journey)
#   local/test.sh infra      cdk/test.sh (AWS CDK synth, assertions, cdk-nag, cfn-lint, checkov; offline)
#                            and charts/test.sh (Helm lint, render, schema validation, pytest, checkov)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=local/env.sh
source "$POCDEX_ROOT/local/env.sh"

RESULTS_DIR="$POCDEX_VAR/test-results"
SUMMARY=()
FAILED=0
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0
PYTEST_RUNS=0

[[ -x "$VENV/bin/python" ]] || die "no virtualenv at var/venv; run make bootstrap"

record() {
  # record PASS|FAIL|NOTE LABEL [DETAIL]
  local outcome="$1" label="$2" detail="${3:-}"
  SUMMARY+=("$(printf '%-5s %-34s %s' "$outcome" "$label" "$detail")")
  [[ "$outcome" != FAIL ]] || FAILED=1
}

# Python code folders: shared/, each services/<name>/, local/ (the platform's own code) and images/.
code_dirs() {
  local dir
  [[ -d "$POCDEX_ROOT/shared" ]] && echo "shared"
  for dir in "$POCDEX_ROOT"/services/*/; do
    [[ -d "$dir" ]] && echo "services/$(basename "$dir")"
  done
  echo "local"
  # The images' static checks (Dockerfile rules, checkov, locks); make images builds them.
  [[ -d "$POCDEX_ROOT/images" ]] && echo "images"
}

# --- lint ------------------------------------------------------------------------

suite_lint() {
  local dirs=()
  mapfile -t dirs < <(code_dirs)
  log "lint: ruff check ${dirs[*]}"
  if (cd "$POCDEX_ROOT" && "$VENV/bin/ruff" check "${dirs[@]}"); then
    record PASS "lint: ruff check"
  else
    record FAIL "lint: ruff check" "(ruff check --fix fixes many)"
  fi
  log "lint: ruff format --check ${dirs[*]}"
  if (cd "$POCDEX_ROOT" && "$VENV/bin/ruff" format --check "${dirs[@]}"); then
    record PASS "lint: ruff format"
  else
    record FAIL "lint: ruff format" "(run ruff format)"
  fi
}

# --- typecheck ---------------------------------------------------------------------

# mypy_config DIR -> the mypy configuration file of DIR, if any.
mypy_config() {
  local dir="$POCDEX_ROOT/$1"
  if [[ -f "$dir/mypy.ini" ]]; then
    echo mypy.ini
  elif [[ -f "$dir/.mypy.ini" ]]; then
    echo .mypy.ini
  elif [[ -f "$dir/pyproject.toml" ]] && grep -q '^\[tool\.mypy\]' "$dir/pyproject.toml"; then
    echo pyproject.toml
  elif [[ -f "$dir/setup.cfg" ]] && grep -q '^\[mypy\]' "$dir/setup.cfg"; then
    echo setup.cfg
  fi
}

suite_typecheck() {
  local dir config targets
  while read -r dir; do
    config="$(mypy_config "$dir")"
    if [[ -z "$config" ]]; then
      record NOTE "typecheck: $dir" "no mypy configuration; not checked"
      continue
    fi
    # A configuration that names its files or packages is run as is; otherwise check the folder.
    targets=(.)
    grep -qE '^[[:space:]]*(files|packages|modules)[[:space:]]*=' "$POCDEX_ROOT/$dir/$config" && targets=()
    log "typecheck: mypy in $dir ($config)"
    if (cd "$POCDEX_ROOT/$dir" && "$VENV/bin/mypy" "${targets[@]}"); then
      record PASS "typecheck: $dir"
    else
      record FAIL "typecheck: $dir"
    fi
  done < <(code_dirs)
}

# --- pytest ------------------------------------------------------------------------

# junit_counts FILE -> "passed failed skipped" from a pytest JUnit XML report.
junit_counts() {
  "$VENV/bin/python" - "$1" <<'PY'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
total = failed = skipped = 0
for suite in suites:
    total += int(suite.get("tests", 0))
    failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped += int(suite.get("skipped", 0))
print(total - failed - skipped, failed, skipped)
PY
}

# run_pytest LABEL DIR EMPTY_POLICY -> EMPTY_POLICY is "fail" or "warn" for exit code 5.
run_pytest() {
  local label="$1" dir="$2" empty="$3" report status=0 passed=0 failed=0 skipped=0 counts
  report="$RESULTS_DIR/$(echo "$dir" | tr '/' '-').xml"
  mkdir -p "$RESULTS_DIR"
  rm -f "$report"
  log "pytest: $label (cd $dir)"
  PYTEST_RUNS=$((PYTEST_RUNS + 1))
  (cd "$POCDEX_ROOT/$dir" && "$VENV/bin/python" -m pytest --junitxml="$report" -o junit_family=xunit2) || status=$?
  if [[ -f "$report" ]]; then
    counts="$(junit_counts "$report")"
    read -r passed failed skipped <<<"$counts"
  fi
  TOTAL_PASSED=$((TOTAL_PASSED + passed))
  TOTAL_FAILED=$((TOTAL_FAILED + failed))
  TOTAL_SKIPPED=$((TOTAL_SKIPPED + skipped))
  local detail="$passed passed, $failed failed, $skipped skipped"
  case "$status" in
    0) record PASS "pytest: $label" "$detail" ;;
    5)
      if [[ "$empty" == warn ]]; then
        warn "pytest collected NO tests in $dir: nothing was checked there"
        record NOTE "pytest: $label" "NO TESTS COLLECTED (exit 5; tolerated for $dir)"
      else
        warn "pytest collected NO tests in $dir: that counts as a failure"
        record FAIL "pytest: $label" "NO TESTS COLLECTED (exit 5)"
      fi
      ;;
    *)
      record FAIL "pytest: $label" "exit $status; $detail"
      TOTAL_FAILED=$((TOTAL_FAILED + (failed == 0)))
      ;;
  esac
}

suite_unit() {
  local dir
  while read -r dir; do
    if [[ "$dir" == services/* && ! -f "$POCDEX_ROOT/$dir/manage.py" ]]; then
      record NOTE "pytest: $dir" "not a service yet (no manage.py); skipped"
      continue
    fi
    run_pytest "$dir" "$dir" fail
  done < <(code_dirs)
}

suite_e2e() {
  if [[ ! -d "$POCDEX_ROOT/tests" ]]; then
    record NOTE "pytest: tests (end-to-end)" "no tests/ folder"
    return 0
  fi
  if ! port_open 8000; then
    record FAIL "pytest: tests (end-to-end)" "the gateway does not answer at $GATEWAY_URL (make run)"
    return 0
  fi
  run_pytest "tests (end-to-end)" tests warn
}

# The owner console in a real browser against the gateway; tests/browser/install.sh makes
# axe-core ready (npm ci into var/browser) the first time. It runs before e2e, whose fuzz
# tests use up the public routes' throttles.
suite_browser() {
  if ! port_open 8000; then
    record FAIL "pytest: tests/browser (Chromium)" "the gateway does not answer at $GATEWAY_URL (make run)"
    return 0
  fi
  if ! "$POCDEX_ROOT/tests/browser/install.sh"; then
    record FAIL "pytest: tests/browser (Chromium)" "toolchain (tests/browser/install.sh)"
    return 0
  fi
  run_pytest "tests/browser (Chromium)" tests/browser fail
}

# Celery on SQS: the suite starts its own moto server, databases and workers, and
# stops them; it needs PostgreSQL and Redis, not the services.
suite_aws() {
  run_pytest "tests/aws (SQS, moto)" tests/aws fail
}

# run_mobile LABEL SCRIPT -> a mobile suite runs as one script with its own toolchain and
# summary; it needs the gateway for its end-to-end journey.
run_mobile() {
  local label="$1" script="$2" status=0 t=$SECONDS
  if [[ ! -x "$POCDEX_ROOT/$script" ]]; then
    record NOTE "$label" "no $script yet"
    return 0
  fi
  if ! port_open 8000; then
    record FAIL "$label" "the gateway does not answer at $GATEWAY_URL (make run)"
    return 0
  fi
  log "$label: $script"
  # 127.0.0.1, not localhost: a chroot or JVM may resolve localhost to ::1 first.
  POCDEX_GATEWAY_URL="${POCDEX_GATEWAY_URL:-http://127.0.0.1:8000}" "$POCDEX_ROOT/$script" || status=$?
  if ((status == 0)); then
    record PASS "$label" "$((SECONDS - t))s"
  else
    record FAIL "$label" "exit $status after $((SECONDS - t))s (its summary is above)"
  fi
}

# The AWS CDK app's offline checks: no stack needed.
suite_infra() {
  local status=0 t=$SECONDS
  if [[ ! -x "$POCDEX_ROOT/cdk/test.sh" ]]; then
    record NOTE "infra: cdk" "no cdk/test.sh yet"
    return 0
  fi
  log "infra: cdk/test.sh"
  "$POCDEX_ROOT/cdk/test.sh" || status=$?
  if ((status == 0)); then
    record PASS "infra: cdk" "$((SECONDS - t))s"
  else
    record FAIL "infra: cdk" "exit $status after $((SECONDS - t))s (its summary is above)"
  fi
}

# The Helm charts' checks (offline). helm is built by `go install` the first time (a few
# minutes): `all` starts that build in the background at its beginning (charts_prebuild).
suite_charts() {
  local status=0 t=$SECONDS
  if [[ -n "${CHARTS_PREBUILD_PID:-}" ]]; then
    wait "$CHARTS_PREBUILD_PID" || true
  fi
  log "infra: charts/test.sh"
  "$POCDEX_ROOT/charts/test.sh" || status=$?
  if ((status == 0)); then
    record PASS "infra: charts" "$((SECONDS - t))s"
  else
    record FAIL "infra: charts" "exit $status after $((SECONDS - t))s (its summary is above)"
  fi
}

charts_prebuild() {
  mkdir -p "$LOG_DIR"
  "$POCDEX_ROOT/charts/test.sh" helm >"$LOG_DIR/helm-build.log" 2>&1 &
  CHARTS_PREBUILD_PID=$!
}

suite_android() { run_mobile "mobile: android" mobile/android/test.sh; }
suite_ios() { run_mobile "mobile: ios" mobile/ios/test.sh; }

print_summary() {
  local line
  echo
  log "summary"
  for line in "${SUMMARY[@]}"; do
    echo "  $line"
  done
  if ((FAILED)); then
    printf '%sxxx some checks failed%s\n' "$_red" "$_reset"
  else
    log "all checks passed"
  fi
  # The closing count, over every pytest run above (none for lint or typecheck alone).
  if ((PYTEST_RUNS)); then
    echo "total: $TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
  fi
}

main() {
  local what="${1:-all}" t=$SECONDS
  if [[ "${POCDEX_STACK_STATUS:-0}" != 0 ]]; then
    record FAIL "stack: local/stack.sh up" "exit $POCDEX_STACK_STATUS (its output is above)"
  fi
  case "$what" in
    all)
      charts_prebuild
      suite_lint
      suite_typecheck
      suite_unit
      suite_browser
      suite_e2e
      suite_aws
      suite_android
      suite_ios
      suite_infra
      suite_charts
      ;;
    lint) suite_lint ;;
    typecheck) suite_typecheck ;;
    unit) suite_unit ;;
    e2e) suite_e2e ;;
    browser) suite_browser ;;
    aws) suite_aws ;;
    android) suite_android ;;
    ios) suite_ios ;;
    infra)
      suite_infra
      suite_charts
      ;;
    *) die "usage: $0 [all|lint|typecheck|unit|e2e|browser|aws|android|ios|infra]" ;;
  esac
  info "took $((SECONDS - t))s"
  print_summary
  return "$FAILED"
}

main "$@"
