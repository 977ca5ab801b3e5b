#!/usr/bin/env bash
# The Android app's checks on the JVM (make test-android, and part of make test):
#   1. the Maven reactor (core, and ui once it is listed in pom.xml) builds and runs every test:
#      core's unit tests (models, API client and session against MockWebServer, state holders on
#      virtual time, OT vectors, dojo session), the end-to-end journeys against the running gateway
#      (POCDEX_GATEWAY_URL, default http://127.0.0.1:8000) and the mail catcher (POCDEX_MAIL_URL,
#      default http://127.0.0.1:8025), and ui's headless Compose tests and screenshots;
#   2. ktlint (the pinned ktlint-cli jar, fetched by Maven into ~/.m2) over the Kotlin sources of
#      core, ui and app and the Gradle scripts.
# Installs nothing outside Maven's local repository. Fails when the gateway does not answer.
# Every Maven run holds the shared build lock (POCDEX_MVN_LOCK). Extra Maven arguments go in
# POCDEX_MAVEN_ARGS (e.g. -Dmaven.repo.local=/tmp/m2-cold to measure a cold run).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
GATEWAY=${POCDEX_GATEWAY_URL:-http://127.0.0.1:8000}
MAIL=${POCDEX_MAIL_URL:-http://127.0.0.1:8025}
LOCK=${POCDEX_MVN_LOCK:-/tmp/pocdex-mvn-android.lock}
read -r -a EXTRA <<<"${POCDEX_MAVEN_ARGS:-}"
export POCDEX_GATEWAY_URL=$GATEWAY POCDEX_MAIL_URL=$MAIL

red=$'\033[31m' green=$'\033[32m' reset=$'\033[0m'
[[ -t 1 ]] || { red='' green='' reset=''; }
SUMMARY=()
FAILED=0
note() { SUMMARY+=("$1"); }
fail() {
  SUMMARY+=("${red}FAIL${reset} $1")
  FAILED=1
}
pass() { SUMMARY+=("${green}PASS${reset} $1"); }

command -v mvn >/dev/null || { echo "mvn is not installed (Maven 3.8+ and a JDK 17 are needed)" >&2; exit 2; }
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
if [[ "${java_major:-0}" -lt 17 ]]; then
  echo "a JDK 17 or newer is needed (found ${java_major:-none})" >&2
  exit 2
fi

if ! curl -fsS -o /dev/null --max-time 5 "$GATEWAY/healthz/accounts"; then
  echo "${red}the gateway does not answer at $GATEWAY (start the platform with make run)${reset}" >&2
  exit 1
fi

mvn_locked() { flock "$LOCK" mvn -B "${EXTRA[@]}" -f "$HERE/pom.xml" "$@"; }

# 1. Build and test the reactor.
start=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
mvn_locked --fail-at-end test 2>&1 | tee "$log" | grep -E '^\[(ERROR|WARNING)\]|Tests run:|BUILD|Reactor Summary|SUCCESS|FAILURE'
status=${PIPESTATUS[0]}
set -e
if grep -q 'BUILD FAILURE' "$log"; then status=1; fi
tests_time=$((SECONDS - start))
counts=$(python3 - "$HERE" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
run = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*/target/surefire-reports/TEST-*.xml"):
    suite = ET.parse(path).getroot()
    run += int(suite.get("tests", 0))
    failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped += int(suite.get("skipped", 0))
print(run, failed, skipped)
PY
)
read -r run failed skipped <<<"$counts"
if ((status == 0)); then
  pass "maven test: $run tests, $failed failed, $skipped skipped (${tests_time}s)"
else
  fail "maven test: exit $status, $run tests, $failed failed, $skipped skipped (${tests_time}s)"
fi
if ((skipped > 0)); then fail "skipped tests: $skipped (none may be skipped)"; fi

# 2. ktlint over every Kotlin source of the app.
start=$SECONDS
ktlint_version=$(sed -n 's:.*<ktlint.version>\(.*\)</ktlint.version>.*:\1:p' pom.xml)
tools="$HERE/target/tools"
jar="$tools/ktlint-cli-$ktlint_version-all.jar"
if [[ ! -f "$jar" ]]; then
  mvn_locked -q org.apache.maven.plugins:maven-dependency-plugin:3.11.0:copy \
    -Dartifact="com.pinterest.ktlint:ktlint-cli:$ktlint_version:jar:all" -DoutputDirectory="$tools" >/dev/null
fi
if java -jar "$jar" --relative "core/src/**/*.kt" "ui/src/**/*.kt" "app/src/**/*.kt" "**/*.gradle.kts"; then
  pass "ktlint $ktlint_version: core, ui, app ($((SECONDS - start))s)"
else
  fail "ktlint $ktlint_version: violations above (fix with: java -jar $jar -F ...)"
fi

for bench in core/target/bench/*.json; do
  [[ -f "$bench" ]] && note "bench: $bench $(tr -d '\n' <"$bench")"
done

echo
echo "android summary"
for line in "${SUMMARY[@]}"; do echo "  $line"; done
exit "$FAILED"
