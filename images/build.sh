#!/usr/bin/env bash
# make images: builds one image per service, pocdex-<service>:<git short sha>, and runs each
# image's smoke test (images/smoke.sh). A dockerd of our own (images/lib.sh) serves the run
# and is stopped at the end unless one already answered.
#
#   images/build.sh [--platform linux/amd64|linux/arm64] [--no-smoke] [service...]
#
# Environment: POCDEX_BASE_IMAGE (a registry base instead of the local debootstrap one),
# POCDEX_IMAGE_SOURCE (org.opencontainers.image.source; default: git's origin URL).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

platform="linux/$(dpkg --print-architecture)"
smoke=1
services=()
while (($#)); do
  case "$1" in
    --platform) platform="$2"; shift 2 ;;
    --no-smoke) smoke=0; shift ;;
    -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) services+=("$1"); shift ;;
  esac
done
((${#services[@]})) || services=("${SERVICES[@]}")
for svc in "${services[@]}"; do
  [[ -f "$POCDEX_ROOT/services/$svc/Dockerfile" ]] || die "no services/$svc/Dockerfile"
done
host_platform="linux/$(dpkg --print-architecture)"

cd "$POCDEX_ROOT"
revision="$(git rev-parse HEAD)"
tag="$(git rev-parse --short=12 HEAD)"
# A tree with uncommitted changes to what goes into an image must not take the commit's tag.
if [[ -n "$(git status --porcelain -- shared services images/build-requirements.lock images/entrypoint.sh .dockerignore)" ]]; then
  tag="$tag-dirty"
  revision="$revision-dirty"
fi
created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
source_url="${POCDEX_IMAGE_SOURCE:-$(git remote get-url origin 2>/dev/null || echo unknown)}"
version="$(git describe --tags --always 2>/dev/null || echo "$tag")"

ensure_docker
trap stop_dockerd EXIT
start_dockerd

base="${POCDEX_BASE_IMAGE:-}"
if [[ -z "$base" ]]; then
  t=$SECONDS
  base="$("$IMAGES_DIR/base.sh" "$platform")"
  log "base $base ($((SECONDS - t)) s)"
fi

ca_secret=()
ca="${POCDEX_BUILD_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
[[ -s "$ca" ]] && ca_secret=(--secret "id=ca,src=$ca")

declare -A took
for svc in "${services[@]}"; do
  image="pocdex-$svc:$tag"
  [[ "$platform" == "$host_platform" ]] || image="pocdex-$svc:$tag-${platform#linux/}"
  log "building $image for $platform"
  t=$SECONDS
  DOCKER_BUILDKIT=1 "$DOCKER" build --network host --platform "$platform" --progress plain \
    "${ca_secret[@]}" \
    --build-arg "BASE_IMAGE=$base" --build-arg "REVISION=$revision" --build-arg "CREATED=$created" \
    --build-arg "VERSION=$version" --build-arg "SOURCE=$source_url" \
    -f "services/$svc/Dockerfile" -t "$image" . >"$DOCKER_RUN_DIR/build-$svc.log" 2>&1 \
    || { tail -40 "$DOCKER_RUN_DIR/build-$svc.log" >&2; die "build of $image failed (var/docker/build-$svc.log)"; }
  took[$svc]=$((SECONDS - t))
  if ((smoke)); then
    "$IMAGES_DIR/smoke.sh" "$svc" "$image"
  fi
done

# The daemon and its data are this script's own: older builds' tags of these images go, so
# the cache folder does not grow by a few hundred MB per commit; the build cache keeps its
# most recent 4 GB (the dependency layers of every service).
for svc in "${services[@]}"; do
  "$DOCKER" image ls --format '{{.Repository}}:{{.Tag}}' "pocdex-$svc" | while read -r old; do
    [[ "$old" == "pocdex-$svc:$tag" || "$old" == "pocdex-$svc:$tag-"* || "$old" == "pocdex-$svc:${tag%-dirty}"* ]] \
      || "$DOCKER" rmi "$old" >/dev/null 2>&1 || true
  done
done
"$DOCKER" image prune --force >/dev/null
"$DOCKER" builder prune --force --keep-storage 4GB >/dev/null

log "images"
for svc in "${services[@]}"; do
  image="pocdex-$svc:$tag"
  [[ "$platform" == "$host_platform" ]] || image="pocdex-$svc:$tag-${platform#linux/}"
  size="$("$DOCKER" image inspect --format '{{.Size}}' "$image")"
  printf '  %-40s %6d MB  built in %4d s\n' "$image" "$((size / 1000000))" "${took[$svc]}"
done
