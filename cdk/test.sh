#!/usr/bin/env bash
# The AWS CDK app's checks, offline and without AWS credentials.
#
#   cdk/test.sh          synth every stage (cdk-nag AwsSolutions at synthesis), pytest, cfn-lint, checkov
#   cdk/test.sh synth    only synthesize every stage into cdk/cdk.out
#
# Toolchain: ../var/cdk-venv/app (aws-cdk-lib, cdk-nag, cfn-lint, pytest),
# ../var/cdk-venv/checkov (checkov pins its own cfn-lint) and ../var/cdk-node
# (the aws-cdk CLI from package-lock.json); made on the first run, reused after.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENVS="$ROOT/var/cdk-venv"
NODE_DIR="$ROOT/var/cdk-node"
OUT="$HERE/cdk.out"
MODE="${1:-all}"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=1
export CDK_DISABLE_VERSION_CHECK=1 CDK_CLI_TELEMETRY_DISABLED=1 AWS_EC2_METADATA_DISABLED=true

SUMMARY=()
FAILED=0
record() { SUMMARY+=("$(printf '%-5s %-28s %s' "$1" "$2" "${3:-}")"); [[ "$1" != FAIL ]] || FAILED=1; }
log() { printf '\n== %s\n' "$*"; }

venv() { # venv NAME REQUIREMENTS
  local dir="$VENVS/$1" req="$2" stamp
  stamp="$(sha256sum "$req" | cut -c1-16)"
  if [[ ! -f "$dir/.installed-$stamp" ]]; then
    log "installing $1 toolchain ($req)"
    rm -rf "$dir" && python3 -m venv "$dir" && "$dir/bin/pip" install -q --upgrade pip \
      && "$dir/bin/pip" install -q -r "$req" && touch "$dir/.installed-$stamp" || return 1
  fi
}

cli() {
  local stamp
  stamp="$(cat "$HERE/package.json" "$HERE/package-lock.json" | sha256sum | cut -c1-16)"
  if [[ ! -f "$NODE_DIR/.installed-$stamp" ]]; then
    log "installing the aws-cdk CLI (npm ci)"
    rm -rf "$NODE_DIR" && mkdir -p "$NODE_DIR" && cp "$HERE/package.json" "$HERE/package-lock.json" "$NODE_DIR/" \
      && (cd "$NODE_DIR" && npm ci --no-audit --no-fund --ignore-scripts -q) && touch "$NODE_DIR/.installed-$stamp" || return 1
  fi
}

synth() {
  log "cdk synth (every stage; cdk-nag AwsSolutions runs at synthesis)"
  rm -rf "$OUT"
  if (cd "$HERE" && PATH="$VENVS/app/bin:$PATH" "$NODE_DIR/node_modules/.bin/cdk" synth --quiet --all \
        --output "$OUT" --app "python3 app.py" >"$ROOT/var/cdk-synth.log" 2>&1); then
    record PASS "cdk synth + cdk-nag" "$(ls "$OUT"/assembly-*/*.template.json | wc -l) templates in cdk/cdk.out, 0 unacknowledged findings"
  else
    grep -v "^b'" "$ROOT/var/cdk-synth.log" | tail -40
    record FAIL "cdk synth + cdk-nag" "(see var/cdk-synth.log)"
  fi
}

cd "$HERE" || exit 1
venv app "$HERE/requirements.txt" || { record FAIL "toolchain" "pip install"; MODE=none; }
cli || { record FAIL "toolchain" "npm ci"; MODE=none; }
if [[ "$MODE" == synth || "$MODE" == all ]]; then
  # cdk.out is shared: one synthesis at a time (a lock of its own, so a caller may
  # hold /tmp/pocdex-cdk.lock around the whole script without deadlocking it).
  exec 9>/tmp/pocdex-cdk-out.lock; flock 9
  synth
fi
if [[ "$MODE" == all ]]; then
  log "pytest (aws_cdk.assertions)"
  "$VENVS/app/bin/python" -m pytest -q -p no:cacheprovider tests 2>&1 | tee "$ROOT/var/cdk-pytest.log"
  if (( PIPESTATUS[0] == 0 )); then
    record PASS "pytest" "$(tail -1 "$ROOT/var/cdk-pytest.log")"
  else
    record FAIL "pytest" "$(tail -1 "$ROOT/var/cdk-pytest.log")"
  fi
  log "cfn-lint"
  templates=("$OUT"/assembly-*/*.template.json)
  # W3010: the zones are pinned on purpose (three named zones per stage).
  "$VENVS/app/bin/cfn-lint" --ignore-checks W3010 -- "${templates[@]}"
  rc=$?
  if (( rc & 2 )) || (( rc & 1 )); then
    record FAIL "cfn-lint" "errors (exit $rc)"
  else
    record PASS "cfn-lint" "no errors (exit $rc: $( (( rc & 4 )) && echo warnings || echo clean))"
  fi
  venv checkov "$HERE/requirements-checkov.txt" || record FAIL "toolchain" "checkov"
  log "checkov (findings are listed and explained in docs/deploy-aws.md)"
  "$VENVS/checkov/bin/checkov" --quiet --compact --skip-download --framework cloudformation \
      -d "$OUT" --output cli --output json --output-file-path "$ROOT/var/cdk-checkov" >/dev/null 2>&1
  report="$ROOT/var/cdk-checkov/results_json.json"
  if [[ -s "$report" ]]; then
    counts="$("$VENVS/app/bin/python" "$HERE/checkov_summary.py" "$report" "$HERE/checkov-known.txt")"
    status=$?
    echo "$counts"
    if (( status == 0 )); then record PASS "checkov" "$(tail -1 <<<"$counts")"; else record FAIL "checkov" "$(tail -1 <<<"$counts")"; fi
  else
    record FAIL "checkov" "no report"
  fi
fi

printf '\n== summary\n'
printf '%s\n' "${SUMMARY[@]}"
passed=0; failed=0
for line in "${SUMMARY[@]}"; do [[ "$line" == PASS* ]] && passed=$((passed+1)); [[ "$line" == FAIL* ]] && failed=$((failed+1)); done
echo "cdk: $passed passed, $failed failed"
exit "$FAILED"
