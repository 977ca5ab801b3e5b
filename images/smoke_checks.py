"""Runs inside an image (images/smoke.sh mounts it read-only): what must hold at run time.

Exits non-zero with one line per failed check. The container runs as the chart runs it:
``--read-only --tmpfs /tmp --user 10001`` with a production environment.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

SERVICE = sys.argv[1]
#: Deployment warnings that hold on purpose (images/README.md). TLS ends at the load balancer
#: and CloudFront, which redirect to HTTPS and send HSTS; the pods serve plain HTTP to them and
#: to the kubelet's probes, so no service redirects or sends HSTS itself (W004, W008). pocs,
#: dojo and media serve only JSON to bearer tokens: no cookie session to forge a request with,
#: no page to frame, so they run without the CSRF and clickjacking middleware (W003, W002).
ACKNOWLEDGED_WARNINGS = {"security.W004", "security.W008"}
if SERVICE != "accounts":
    ACKNOWLEDGED_WARNINGS |= {"security.W002", "security.W003"}
FAILURES: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        FAILURES.append(what)


def root_is_read_only() -> bool:
    try:
        Path("/app/.write-probe").write_text("x")
    except OSError:
        return True
    return False


def tmp_is_writable() -> bool:
    probe = Path("/tmp/.write-probe")  # noqa: S108 (the one writable folder is the point)
    probe.write_text("x")
    probe.unlink()
    return True


def files_equal_to(digest: str, size: int) -> list[str]:
    """Files of the image (not /proc, /sys, /dev, /tmp) with the given size and sha256."""
    found = []
    for top in ("/etc", "/usr", "/opt", "/app", "/root", "/var", "/run", "/build"):
        for dirpath, _dirs, files in os.walk(top):
            for name in files:
                path = os.path.join(dirpath, name)
                try:
                    if os.path.islink(path) or os.path.getsize(path) != size:
                        continue
                    if hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest:
                        found.append(path)
                except OSError:
                    continue
    return found


def main() -> int:
    check(
        os.getuid() == 10001 and os.getgid() == 10001,
        f"runs as 10001:10001 ({os.getuid()}:{os.getgid()})",
    )
    check(root_is_read_only(), "the root filesystem is read-only")
    check(tmp_is_writable(), "/tmp is writable")  # noqa: S108
    check(
        Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).is_dir(),
        "the entrypoint made PROMETHEUS_MULTIPROC_DIR",
    )
    check(
        sys.version_info[:2] == (3, 11) and sys.base_prefix == "/usr",
        f"Debian's Python 3.11 ({sys.version.split()[0]}, {sys.base_prefix})",
    )
    for tool in ("gcc", "cc", "c++", "make", "pip", "pip3", "msgfmt"):
        check(shutil.which(tool) is None, f"no {tool} in the final stage")

    sys.path.insert(0, "/app")  # as manage.py, celery -A config and gunicorn have it
    import django
    from django.core import checks

    django.setup()
    messages = checks.run_checks(include_deployment_checks=True)
    for message in messages:
        print(f"     {message.id}: {message.msg.splitlines()[0][:100]}")
    serious = [m.id for m in messages if m.is_serious()]
    check(not serious, f"manage.py check --deploy: no error {serious}")
    # The deployment (security.*) warnings must all be acknowledged; others (an API schema
    # a generator cannot guess, say) are printed above and left to the service's own tests.
    security = {str(m.id) for m in messages if str(m.id).startswith("security.")}
    unexplained = sorted(security - ACKNOWLEDGED_WARNINGS)
    check(
        not unexplained,
        f"manage.py check --deploy: no security warning besides the acknowledged {unexplained}",
    )

    celery_module = importlib.import_module("config.celery")
    app = getattr(celery_module, "app", None)
    check(app is not None and app.main is not None, "the Celery app imports (config.celery.app)")
    if os.environ.get("POCDEX_BROKER_URL", "").startswith("sqs://"):
        # kombu's SQS transport needs pycurl, a native extension: it must load in the image.
        importlib.import_module("pycurl")
        importlib.import_module("kombu.transport.SQS")
        check(True, "kombu's SQS transport and pycurl import")

    if SERVICE == "dojo":
        importlib.import_module("daphne.server")
        importlib.import_module("config.asgi")
        check(True, "daphne and config.asgi import")
    else:
        importlib.import_module("gunicorn.app.wsgiapp")
        importlib.import_module("config.wsgi")
        check(True, "gunicorn and config.wsgi import")

    check(
        Path("/etc/ssl/certs/rds-global-bundle.pem").is_file(),
        "the RDS certificate authorities are at /etc/ssl/certs/rds-global-bundle.pem",
    )
    catalogs = list(Path("/app/locale").glob("*/LC_MESSAGES/django.mo"))
    check(bool(catalogs), "compiled translations (.mo) are in the image")
    if SERVICE == "accounts":
        check(Path("/app/static/staticfiles.json").is_file(), "collectstatic ran at build time")
    if SERVICE == "media":
        done = subprocess.run(
            [shutil.which("ffmpeg") or "/usr/bin/ffmpeg", "-version"],
            capture_output=True,
            text=True,
            check=False,
        )
        check(done.returncode == 0 and done.stdout.startswith("ffmpeg version"), "ffmpeg -version")
        check(
            Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").is_file(),
            "DejaVu Sans is installed",
        )
        check(Path(os.environ["MEDIA_WORK_DIR"]).is_dir(), "the entrypoint made MEDIA_WORK_DIR")

    digest, size = os.environ.get("BUILD_CA_SHA256", ""), int(os.environ.get("BUILD_CA_SIZE", "0"))
    if digest:
        copies = files_equal_to(digest, size)
        check(not copies, f"the build's CA bundle is in no layer {copies}")
    check(
        not Path("/run/secrets").exists() and not Path("/build").exists(),
        "no build secret or build folder",
    )

    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
