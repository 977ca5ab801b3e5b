"""Render-time benchmark of the media engines (docs/benchmarks.md, "Media rendering").

Goals (issue 5): a 60 s 1080x1920 video of 40 POCs in at most 20 s on 2 cores
(3x real time), a 40-page PDF in at most 1 s. Every video produced is checked
with ffprobe against the delivery rules; wall time, CPU time (this process and
ffmpeg) and the load average before each run are printed, because the machine
is shared and wall time alone says little.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services" / "media"))

from pypdf import PdfReader

from rendering.probe import delivery_problems, probe
from rendering.report_pdf import ReportInput, render_pdf
from rendering.sample import sample_dojos, sample_pocs
from rendering.video import Encoding, render_video

YEAR = 2025


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(run: Callable[[], object]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, 1-minute load average before)."""
    load = os.getloadavg()[0]
    cpu, wall = _cpu(), time.perf_counter()
    run()
    return time.perf_counter() - wall, _cpu() - cpu, load


def bench_video(encoding: Encoding, runs: int, workdir: Path) -> list[tuple[float, float, float]]:
    pocs = sample_pocs(40, year=YEAR)
    dojos = sample_dojos(12, year=YEAR)
    results = []
    for index in range(runs):
        out = workdir / f"video-{encoding.fps}-{encoding.preset}-{index}"
        holder: dict[str, object] = {}

        def run(out: Path = out, holder: dict[str, object] = holder) -> None:
            holder["result"] = render_video(
                pocs=pocs,
                dojos=dojos,
                year=YEAR,
                title="Laboratório Ágil",
                language="pt-br",
                video_format="vertical",
                workdir=out,
                encoding=encoding,
            )

        wall, cpu, load = measure(run)
        result = holder["result"]
        facts = probe(result.video)  # type: ignore[attr-defined]
        problems = delivery_problems(facts)
        if (
            problems
            or abs(facts.duration - 60) > 0.2
            or (facts.width, facts.height) != (1080, 1920)
        ):
            raise SystemExit(f"video fails the delivery checks: {problems} {facts}")
        size = result.video.stat().st_size / 1e6  # type: ignore[attr-defined]
        print(
            f"  run {index + 1}: {wall:5.1f} s wall, {cpu:5.1f} s CPU, load {load:4.2f}, "
            f"{facts.duration:.1f} s video, {size:.1f} MB, {facts.profile} {facts.level} "
            f"{facts.pix_fmt} faststart={facts.faststart} audio={facts.audio_codec}"
        )
        results.append((wall, cpu, load))
    return results


def bench_pdf(runs: int, workdir: Path) -> list[tuple[float, float, float]]:
    pocs = sample_pocs(430, year=YEAR)
    data = ReportInput(
        language="pt-br",
        scope="organization",
        subject_name="Laboratório Ágil",
        start=dt.date(YEAR, 1, 1),
        end=dt.date(YEAR, 12, 31),
        pocs=pocs,
        dojos=sample_dojos(30, year=YEAR),
        generated_on=dt.date(YEAR + 1, 1, 2),
    )
    output = workdir / "report.pdf"
    render_pdf(data, output)  # warm-up: font registration and imports happen once per worker
    pages = len(PdfReader(output).pages)
    if pages < 40:
        raise SystemExit(f"the PDF has {pages} pages, fewer than 40")
    results = []
    for index in range(runs):
        wall, cpu, load = measure(lambda: render_pdf(data, output))
        print(
            f"  run {index + 1}: {wall:5.2f} s wall, {cpu:5.2f} s CPU, load {load:4.2f}, {pages} pages"
        )
        results.append((wall, cpu, load))
    return results


def summary(label: str, results: list[tuple[float, float, float]], goal: float) -> None:
    wall = statistics.median(r[0] for r in results)
    cpu = statistics.median(r[1] for r in results)
    best = min(r[0] for r in results)
    verdict = "met" if wall <= goal else "NOT met"
    print(
        f"{label}: median {wall:.2f} s wall (best {best:.2f}), median {cpu:.2f} s CPU; goal <= {goal} s: {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--video-runs", type=int, default=3)
    parser.add_argument("--pdf-runs", type=int, default=5)
    parser.add_argument(
        "--matrix", action="store_true", help="compare frame rates and x264 settings"
    )
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="pocdex-bench-media-") as tmp:
        workdir = Path(tmp)
        print("## 40-page PDF report (430 POCs, 30 dojos), pt-BR")
        summary("PDF", bench_pdf(args.pdf_runs, workdir), 1.0)
        if args.matrix:
            candidates = [
                Encoding(fps=30, preset="veryfast", x264_params="keyint=250"),
                Encoding(fps=25, preset="veryfast", x264_params="keyint=250"),
                Encoding(fps=25, preset="superfast"),
                Encoding(fps=24),
            ]
            for encoding in candidates:
                print(f"## matrix: {encoding}")
                summary("video", bench_video(encoding, 1, workdir), 20.0)
        print(f"## 60 s 1080x1920 video of 40 POCs, default encoding: {Encoding()}")
        summary("video", bench_video(Encoding(), args.video_runs, workdir), 20.0)


if __name__ == "__main__":
    main()
