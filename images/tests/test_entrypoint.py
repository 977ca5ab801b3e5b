"""images/entrypoint.sh: it prepares the folders under /tmp, then becomes the command."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ENTRYPOINT = Path(__file__).resolve().parents[1] / "entrypoint.sh"


def run(env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/sh", str(ENTRYPOINT), *command],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_metrics_folder_starts_empty_and_media_folder_exists(tmp_path: Path) -> None:
    metrics = tmp_path / "prometheus"
    metrics.mkdir()
    (metrics / "counter_4242.db").write_bytes(b"a dead process's values")
    media = tmp_path / "media"

    done = run(
        {"PROMETHEUS_MULTIPROC_DIR": str(metrics), "MEDIA_WORK_DIR": str(media)},
        "sh",
        "-c",
        'ls -A "$PROMETHEUS_MULTIPROC_DIR"; test -d "$MEDIA_WORK_DIR" && echo media-ready',
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["media-ready"]  # and ls listed nothing
    assert metrics.is_dir() and list(metrics.iterdir()) == []


def test_command_replaces_the_entrypoint_and_keeps_its_exit_status() -> None:
    # exec: the command is the very process the entrypoint was (PID 1 in a container), so
    # signals reach it and the probes that read /proc/1 see it.
    process = subprocess.Popen(
        ["/bin/sh", str(ENTRYPOINT), "sh", "-c", 'echo "$$"; exit 7'],
        env={"PATH": os.environ["PATH"]},
        stdout=subprocess.PIPE,
        text=True,
    )
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 7
    assert out.strip() == str(process.pid)


def test_without_the_variables_nothing_is_created() -> None:
    done = run({}, "sh", "-c", "pwd")
    assert done.returncode == 0
    assert done.stderr == ""


def test_a_folder_that_cannot_be_made_stops_the_start(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")

    done = run({"PROMETHEUS_MULTIPROC_DIR": str(blocker / "prometheus")}, "echo", "started")

    assert done.returncode != 0
    assert "started" not in done.stdout
