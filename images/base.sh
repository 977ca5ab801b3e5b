#!/usr/bin/env bash
# Builds the local base image pocdex-base:bookworm-<arch> (and pocdex-base:bookworm for the
# host's architecture, the Dockerfiles' default BASE_IMAGE) when no registry base is reachable: Debian 12 (minbase) with Debian's Python 3.11 and the CA certificates package,
# made by debootstrap and imported with docker import. The root filesystem tarball is kept
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
fi

log "docker import $tarball as $image"
"$DOCKER" import --platform "$platform" \
  --change 'ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' "$tarball" "$image" >/dev/null
host_tag
echo "$image"
