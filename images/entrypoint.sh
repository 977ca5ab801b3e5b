#!/bin/sh
# Every image's entrypoint: makes the folders under /tmp (the only writable place; an emptyDir
# on Kubernetes) that the environment names, then runs the command it was given. Prometheus'
# multiprocess folder starts empty, so a restarted container counts no dead process's metrics.
set -eu
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
if [ -n "${MEDIA_WORK_DIR:-}" ]; then
  mkdir -p "$MEDIA_WORK_DIR"
fi
exec "$@"
