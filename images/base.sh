#!/usr/bin/env bash
# Builds the local base image pocdex-base:bookworm-<arch> (and pocdex-base:bookworm for the
# host's architecture, the Dockerfiles' default BASE_IMAGE) when no registry base is reachable: Debian 12 (minbase) with Debian's Python 3.11 and the CA certificates package,
# made by debootstrap and added to an empty image. The root filesystem tarball is kept
# in /var/cache/pocdex/images, so it is made once per architecture.
#
#   images/base.sh [linux/amd64|linux/arm64]   (dockerd must answer on $DOCKER_HOST)
#
# Prints the image's name on stdout.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

platform="${1:-linux/$(dpkg --print-architecture)}"
arch="${platform#linux/}"
image="pocdex-base:bookworm-$arch"
host_tag() {
  if [[ "$arch" == "$(dpkg --print-architecture)" ]]; then
    "$DOCKER" tag "$image" pocdex-base:bookworm
  fi
}
tarball="$IMAGES_CACHE/base-bookworm-$arch.tar"
MIRROR="${POCDEX_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if "$DOCKER" image inspect "$image" >/dev/null 2>&1; then
  host_tag
  echo "$image"
  exit 0
fi

if [[ ! -s "$tarball" ]]; then
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >/dev/null
  root="$(mktemp -d "$IMAGES_CACHE/rootfs-XXXXXX")"
  trap 'rm -rf "$root"' EXIT
  foreign=()
  if [[ "$arch" != "$(dpkg --print-architecture)" ]]; then
    # Another architecture: the second stage runs under QEMU (qemu-user-static and binfmt).
    foreign=(--foreign)
  fi
  log "debootstrap --variant=minbase bookworm ($arch) into $root"
  debootstrap --variant=minbase --arch "$arch" "${foreign[@]}" \
    --include=python3,ca-certificates bookworm "$root" "$MIRROR" >&2
  if ((${#foreign[@]})); then
    cp /usr/bin/qemu-aarch64-static "$root/usr/bin/"
    chroot "$root" /debootstrap/debootstrap --second-stage >&2
    rm -f "$root/usr/bin/qemu-aarch64-static"
  fi
  # Security and point-release updates, as the official Debian images have them.
  cat >"$root/etc/apt/sources.list" <<LIST
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
LIST
  # Nothing of the build host's: no apt lists, caches or logs in the image.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/* "$root"/debootstrap
  tar --numeric-owner -C "$root" -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
  rm -rf "$root"
fi

# FROM scratch plus the tarball, built for the platform (docker import on 20.10 records the
# daemon's architecture whatever --platform says). The context is a tar on stdin: the
# tarball and a two-line Dockerfile, nothing else of the cache folder.
log "building $image from $tarball"
context="$(mktemp -d "$IMAGES_CACHE/context-XXXXXX")"
trap 'rm -rf "$context"' EXIT
cat >"$context/Dockerfile" <<'DOCKERFILE'
FROM scratch
ADD rootfs.tar /
ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["/bin/bash"]
DOCKERFILE
ln "$tarball" "$context/rootfs.tar" 2>/dev/null || cp "$tarball" "$context/rootfs.tar"
tar -C "$context" -ch Dockerfile rootfs.tar \
  | DOCKER_BUILDKIT=1 "$DOCKER" build --platform "$platform" -t "$image" - >&2
host_tag
echo "$image"
