#!/usr/bin/env bash
# Installs what the local stack needs. Idempotent: a second run only checks.
#
#   local/bootstrap.sh            # everything
#   local/bootstrap.sh python     # only the virtualenv
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEBIAN_PACKAGES=(postgresql postgresql-contrib redis-server nginx-light ffmpeg fonts-dejavu-core curl unzip gettext chromium)

ensure_debian_packages() {
  local missing=() pkg
  command -v java >/dev/null || DEBIAN_PACKAGES+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || DEBIAN_PACKAGES+=(maven)
  command -v npm >/dev/null || DEBIAN_PACKAGES+=(npm)
  python3 -c 'import ensurepip, venv' 2>/dev/null || DEBIAN_PACKAGES+=(python3-venv)
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    info "Debian packages present: ${DEBIAN_PACKAGES[*]}"
    return 0
  fi
  [[ "$(id -u)" == 0 ]] || die "missing Debian packages (${missing[*]}); run as root or install them"
  apt_install "${missing[@]}"
}

# The hash of everything that decides what the venv holds.
requirements_hash() {
  {
    python3 --version
    for f in "$POCDEX_ROOT"/requirements-dev.txt "$POCDEX_ROOT"/services/*/requirements.txt \
      "$POCDEX_ROOT"/shared/pyproject.toml "$POCDEX_ROOT"/shared/setup.py "$POCDEX_ROOT"/shared/setup.cfg; do
      if [[ -f "$f" ]]; then
        printf '%s\n' "${f#"$POCDEX_ROOT"/}"
        cat "$f"
      fi
    done
  } | sha256sum | cut -d' ' -f1
}

ensure_python() {
  local stamp="$VENV/.pocdex-requirements.sha256" want args=() f
  want="$(requirements_hash)"
  if [[ -x "$VENV/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    info "virtualenv up to date (var/venv)"
    return 0
  fi
  if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating virtualenv var/venv"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip setuptools wheel
  fi
  for f in "$POCDEX_ROOT"/services/*/requirements.txt; do
    if [[ -f "$f" ]]; then args+=(-r "$f"); fi
  done
  if [[ -f "$POCDEX_ROOT/shared/pyproject.toml" || -f "$POCDEX_ROOT/shared/setup.py" ]]; then
    args+=(-e "$POCDEX_ROOT/shared")
  fi
  args+=(-r "$POCDEX_ROOT/requirements-dev.txt")
  log "installing Python packages (requirements changed): ${args[*]//$POCDEX_ROOT\//}"
  # One resolver run over every service, so conflicts show up here and not at run time.
  "$VENV/bin/python" -m pip install --quiet "${args[@]}"
  echo "$want" >"$stamp"
}

# maven_fetch GROUP:ARTIFACT:VERSION[:TYPE[:CLASSIFIER]] FILE -> var/downloads/FILE
maven_fetch() {
  local coords="$1" file="$2"
  [[ -s "$DOWNLOADS/$file" ]] && return 0
  log "fetching $coords with Maven"
  mkdir -p "$DOWNLOADS"
  if ! mvn -B -q -f "$POCDEX_ROOT/local/maven/pom.xml" dependency:copy \
    -Dartifact="$coords" -DoutputDirectory="$DOWNLOADS" -Dmdep.overWriteIfNewer=true \
    >"$LOG_DIR/maven.log" 2>&1; then
    tail_log "$LOG_DIR/maven.log"
    die "could not fetch $coords from Maven"
  fi
  [[ -s "$DOWNLOADS/$file" ]] || die "Maven did not produce $DOWNLOADS/$file"
}

ensure_opensearch_user() {
  id "$OPENSEARCH_USER" >/dev/null 2>&1 && return 0
  log "creating system user $OPENSEARCH_USER (OpenSearch refuses to run as root)"
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$OPENSEARCH_USER"
}

# The integ-test zip ships only the transport-netty4 module. We add, from their
# Maven Central jars, the two modules the search design needs:
#   analysis-common: language analyzers (portuguese, english), stemmers, asciifolding,
#                    edge_ngram, shingle, synonym ...
#   mapper-extras:   the search_as_you_type, scaled_float and rank_feature field types.
# A module is a folder with the jar and a plugin-descriptor.properties.
install_opensearch_module() {
  local name="$1" artifact="$2" classname="$3" description="$4"
  local dir="$OS_DIST/modules/$name" jar="$artifact-$OPENSEARCH_VERSION.jar"
  [[ -f "$dir/plugin-descriptor.properties" ]] && return 0
  maven_fetch "org.opensearch.plugin:$artifact:$OPENSEARCH_VERSION" "$jar"
  info "adding OpenSearch module $name"
  mkdir -p "$dir"
  cp "$DOWNLOADS/$jar" "$dir/"
  cat >"$dir/plugin-descriptor.properties" <<EOF
description=$description
version=$OPENSEARCH_VERSION
name=$name
classname=$classname
java.version=11
opensearch.version=$OPENSEARCH_VERSION
custom.foldername=
extended.plugins=
has.native.controller=false
EOF
}

ensure_opensearch() {
  local zip="opensearch-$OPENSEARCH_VERSION.zip"
  OS_DIST="$POCDEX_VAR/opensearch/dist"
  ensure_opensearch_user
  if [[ ! -x "$OS_DIST/bin/opensearch" || "$(cat "$OS_DIST/.pocdex-version" 2>/dev/null)" != "$OPENSEARCH_VERSION" ]]; then
    maven_fetch "org.opensearch.distribution.integ-test-zip:opensearch:$OPENSEARCH_VERSION:zip" "$zip"
    log "unpacking OpenSearch $OPENSEARCH_VERSION into var/opensearch/dist"
    rm -rf "$OS_DIST" "$POCDEX_VAR/opensearch/unpack"
    mkdir -p "$POCDEX_VAR/opensearch/unpack"
    unzip -q "$DOWNLOADS/$zip" -d "$POCDEX_VAR/opensearch/unpack"
    mv "$POCDEX_VAR/opensearch/unpack/opensearch-$OPENSEARCH_VERSION" "$OS_DIST"
    rmdir "$POCDEX_VAR/opensearch/unpack"
    echo "$OPENSEARCH_VERSION" >"$OS_DIST/.pocdex-version"
  fi
  install_opensearch_module analysis-common analysis-common \
    org.opensearch.analysis.common.CommonAnalysisPlugin 'Adds "built in" analyzers to OpenSearch.'
  install_opensearch_module mapper-extras mapper-extras-client \
    org.opensearch.index.mapper.MapperExtrasPlugin 'Adds advanced field mappers'
  mkdir -p "$POCDEX_VAR/opensearch"/{config,data,logs,tmp}
  chown -R "$OPENSEARCH_USER:" "$POCDEX_VAR/opensearch"/{config,data,logs,tmp}
  chmod 0750 "$POCDEX_VAR/opensearch"/{config,data,logs,tmp}
  ensure_traversable "$OPENSEARCH_USER" "$OS_DIST/bin"
  info "OpenSearch $OPENSEARCH_VERSION ready (modules: $(ls "$OS_DIST/modules" | tr '\n' ' '))"
}

ensure_s3proxy() {
  local jar="s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"
  maven_fetch "org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" "$jar"
  info "s3proxy $S3PROXY_VERSION ready (var/downloads/$jar)"
}

main() {
  local what="${1:-all}"
  mkdir -p "$POCDEX_VAR"/{log,run,mail,s3,redis,downloads}
  case "$what" in
    python)
      ensure_python
      ;;
    all)
      log "bootstrap: Debian packages"
      ensure_debian_packages
      log "bootstrap: Python virtualenv"
      ensure_python
      log "bootstrap: OpenSearch and s3proxy (Maven Central)"
      ensure_opensearch
      ensure_s3proxy
      ;;
    *) die "usage: $0 [all|python]" ;;
  esac
}

main "$@"
