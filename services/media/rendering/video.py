"""Year-in-review video: Pillow stills assembled by ffmpeg (ffmpeg-python).

Pipeline (docs/adr/0014-media-jobs-and-rendering.md):

1. Each scene is drawn once as a still (``frames``) and written as an
   uncompressed-ish PNG.
2. ffmpeg reads each still once (one frame), converts it to yuv420p once, and
   repeats that decoded frame with the ``loop`` filter for the scene's length:
   no per-frame decoding, scaling or drawing.
3. Consecutive scenes are joined by ``xfade`` crossfades; an audio bed is
   synthesized by ffmpeg's ``aevalsrc`` (a pad and soft plucks, faded in and out).
4. libx264 High profile, level 4.1, yuv420p, ``tune=stillimage``, AAC, and
   ``+faststart`` so players start before the whole file arrives.

Progress is read from ffmpeg's ``-progress`` output while it encodes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ffmpeg

from . import frames
from .data import Dojo, Poc, figures, months_between
from .frames import Canvas, Story

FORMATS = {"vertical": (1080, 1920), "square": (1080, 1080)}
MAX_SECONDS = 90.0

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Timing:
    """Scene lengths in seconds. ``scale`` shortens everything (tests), never past 90 s."""

    intro: float = 4.0
    totals: float = 5.0
    languages: float = 5.0
    tags: float = 4.5
    months: float = 5.5
    card_page: float = 3.0
    min_card_page: float = 2.4
    dojos: float = 4.5
    outro: float = 4.0
    empty: float = 6.0
    fade: float = 0.5
    target: float = 60.0
    scale: float = 1.0

    def s(self, value: float) -> float:
        return value * self.scale


@dataclass(frozen=True)
class Encoding:
    """Encoder settings; the defaults are the ones the benchmark chose."""

    fps: int = 25
    preset: str = "veryfast"
    tune: str = "stillimage"
    crf: int = 23
    # No B-frames and no lookahead: stills gain nothing from them, and they cost
    # about a fifth of the encoding time (docs/benchmarks.md, "Media rendering").
    x264_params: str = "bframes=0:rc-lookahead=0:mbtree=0:keyint=250"
    threads: int = 0  # x264's own choice (1.5 threads per core)
    audio_bitrate: str = "128k"


@dataclass
class VideoResult:
    video: Path
    thumbnail: Path
    duration: float
    scenes: list[str]
    draw_seconds: float = 0.0
    encode_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Scene:
    name: str
    image_path: Path
    seconds: float


def plan(
    story: Story, canvas: Canvas, timing: Timing
) -> list[tuple[str, float, Callable[[], object]]]:
    """The scenes of a story with their lengths, fitted to ``timing.target`` seconds."""
    s = timing.s
    if not story.pocs:
        return [
            ("empty_year", s(timing.empty), lambda: frames.empty_year(story, canvas)),
            ("outro", s(timing.outro), lambda: frames.outro(story, canvas)),
        ]
    fixed: list[tuple[str, float, Callable[[], object]]] = [
        ("intro", s(timing.intro), lambda: frames.intro(story, canvas)),
        ("totals", s(timing.totals), lambda: frames.totals(story, canvas)),
        ("languages", s(timing.languages), lambda: frames.languages(story, canvas)),
        ("tags", s(timing.tags), lambda: frames.tags(story, canvas)),
        ("months", s(timing.months), lambda: frames.months(story, canvas)),
    ]
    tail: list[tuple[str, float, Callable[[], object]]] = [
        ("dojos", s(timing.dojos), lambda: frames.dojos(story, canvas)),
        ("outro", s(timing.outro), lambda: frames.outro(story, canvas)),
    ]
    per_page = 4 if canvas.vertical else 3
    fade = s(timing.fade)
    fixed_seconds = sum(d for _, d, _ in fixed + tail)
    # Every scene after the first overlaps the previous one by one fade.
    budget = s(timing.target) - fixed_seconds
    max_pages = max(1, int((budget + fade) // (s(timing.min_card_page) - fade)))
    pages, hidden = frames.poc_card_pages(story.pocs, per_page=per_page, max_pages=max_pages)
    n_fades = len(fixed) + len(tail) + len(pages) - 1
    page_seconds = (s(timing.target) - fixed_seconds + n_fades * fade) / len(pages)
    page_seconds = min(max(page_seconds, s(timing.min_card_page)), s(timing.card_page) * 1.5)
    cards: list[tuple[str, float, Callable[[], object]]] = []
    for number, page in enumerate(pages, start=1):

        def draw_page(page: list[Poc] = page, number: int = number) -> object:
            return frames.poc_cards(story, canvas, page, (number, len(pages)), hidden)

        cards.append((f"cards_{number}", page_seconds, draw_page))
    return fixed + cards + tail


def total_seconds(durations: Sequence[float], fade: float) -> float:
    return sum(durations) - fade * (len(durations) - 1)


# One loop of the audio bed: every frequency makes whole cycles in LOOP_SECONDS,
# so the loop repeats without a click. aevalsrc is slow (about 8 s of CPU for a
# minute), so the loop is synthesized once per process and repeated by ffmpeg.
LOOP_SECONDS = 4
_PAD_HZ = (110.0, 220.0, 277.25, 329.5)


def _bed_expression() -> str:
    swell = "(0.7+0.3*sin(2*PI*0.25*t))"
    pad = "+".join(f"0.05*sin(2*PI*{hz}*t)*{swell}" for hz in _PAD_HZ)
    pluck = r"0.06*sin(2*PI*440*t)*exp(-6*mod(t\,0.5))"
    return f"{pad}+{pluck}"


def audio_bed_loop() -> Path:
    """A WAV of one loop of the bed, made once and kept in the temp folder."""
    expr = _bed_expression()
    digest = hashlib.sha256(f"{expr}:{LOOP_SECONDS}".encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"pocdex-media-bed-{digest}.wav"
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.tmp.wav")
        (
            ffmpeg.input(
                f"aevalsrc=exprs={expr}|{expr}:sample_rate=44100"
                f":channel_layout=stereo:duration={LOOP_SECONDS}",
                f="lavfi",
            )
            .output(str(partial), acodec="pcm_s16le")
            .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
            .overwrite_output()
            .run(capture_stdout=True, capture_stderr=True)
        )
        os.replace(partial, path)  # atomic: concurrent workers never read half a file
    return path


def _audio(total: float) -> Any:
    """The bed for ``total`` seconds, faded in and out."""
    fade = min(1.5, total / 4)
    return (
        ffmpeg.input(str(audio_bed_loop()), stream_loop=-1)
        .audio.filter("atrim", duration=round(total, 3))
        .filter("afade", t="in", d=fade)
        .filter("afade", t="out", st=max(0.0, total - fade), d=fade)
    )


def assemble(
    scenes: Sequence[Scene],
    output: Path,
    *,
    fade: float,
    encoding: Encoding,
    progress: Progress | None = None,
) -> float:
    """Encode the stills into ``output``; returns the duration in seconds."""
    fps = encoding.fps
    durations = [round(scene.seconds * fps) / fps for scene in scenes]
    fade = min(fade, min(durations) / 3) if len(scenes) > 1 else 0.0
    fade = round(fade * fps) / fps
    total = total_seconds(durations, fade)
    if total > MAX_SECONDS + 1e-6:
        raise ValueError(f"video of {total:.1f}s exceeds {MAX_SECONDS:.0f}s")
    fade_frames = round(fade * fps)

    def held(stream: Any, count: int) -> Any:
        """The one decoded frame of ``stream`` repeated ``count`` times, timed from 0."""
        return stream.filter("loop", loop=count - 1, size=1, start=0).filter(
            "setpts", "N/FRAME_RATE/TB"
        )

    # Segments: body 0, fade 0→1, body 1, fade 1→2, ... body n-1. A flat concat
    # of short crossfades, rather than n-1 nested xfade filters, which every
    # frame would cross (each copying it): a third of the encoding CPU saved.
    segments: list[Any] = []
    previous_tail: Any = None
    last = len(scenes) - 1
    for index, (scene, seconds) in enumerate(zip(scenes, durations, strict=True)):
        still = ffmpeg.input(str(scene.image_path), framerate=fps, f="image2").video.filter(
            "format", "yuv420p"
        )
        uses = 1 + (index > 0) + (index < last) if fade_frames else 1
        copies = still.split() if uses > 1 else None
        branch = (copies.stream(i) for i in range(uses)) if copies is not None else iter([still])
        body_frames = round(seconds * fps) - fade_frames * ((index > 0) + (index < last))
        if index > 0 and fade_frames:
            head = held(next(branch), fade_frames)
            segments.append(
                ffmpeg.filter(
                    [previous_tail, head], "xfade", transition="fade", duration=fade, offset=0
                )
            )
        segments.append(held(next(branch), body_frames))
        if index < last and fade_frames:
            previous_tail = held(next(branch), fade_frames)
    video = ffmpeg.concat(*segments, v=1, a=0) if len(segments) > 1 else segments[0]
    out = ffmpeg.output(
        video,
        _audio(total),
        str(output),
        vcodec="libx264",
        preset=encoding.preset,
        tune=encoding.tune,
        crf=encoding.crf,
        pix_fmt="yuv420p",
        r=fps,
        acodec="aac",
        audio_bitrate=encoding.audio_bitrate,
        movflags="+faststart",
        t=f"{total:.3f}",
        threads=encoding.threads,
        **{"profile:v": "high", "level:v": "4.1", "x264-params": encoding.x264_params},
    ).global_args(
        "-nostdin", "-hide_banner", "-loglevel", "error", "-progress", "pipe:1", "-nostats"
    )
    process = out.overwrite_output().run_async(pipe_stdout=True, pipe_stderr=True)
    if process.stdout is None:  # run_async(pipe_stdout=True) always gives one
        raise RuntimeError("ffmpeg started without a progress pipe")
    try:
        for raw in process.stdout:
            line = raw.decode(errors="replace").strip()
            if progress and line.startswith("out_time_us=") and line[12:].isdigit():
                progress(min(99, int(int(line[12:]) / 1e6 / total * 100)))
    except BaseException:  # the caller stopped the render (e.g. its attempt lost the job)
        process.kill()
        process.communicate()
        raise
    _stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, "ffmpeg", stderr=stderr)
    return total


def render_video(
    *,
    pocs: Sequence[Poc],
    dojos: Sequence[Dojo] | None,
    year: int,
    title: str,
    language: str,
    video_format: str,
    workdir: Path,
    timing: Timing | None = None,
    encoding: Encoding | None = None,
    progress: Progress | None = None,
) -> VideoResult:
    """Render the year-in-review of ``pocs`` into ``workdir``/video.mp4 (+ thumbnail.jpg).

    ``progress`` receives 0-100: drawing the stills is the first 15%.
    """
    timing = timing or Timing()
    encoding = encoding or Encoding()
    # Crossfades last whole frames, so the planned length is the encoded length.
    timing = replace(
        timing, fade=round(timing.s(timing.fade) * encoding.fps) / encoding.fps / timing.scale
    )
    width, height = FORMATS[video_format]
    canvas = Canvas(width, height)
    months = months_between(dt.date(year, 1, 1), dt.date(year, 12, 31))
    story = Story(
        language=language,
        year=year,
        title=title,
        figures=figures(pocs, dojos, months=months),
        pocs=pocs,
        dojos=dojos,
    )
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    planned = plan(story, canvas, timing)
    scenes: list[Scene] = []
    thumbnail = workdir / "thumbnail.jpg"
    for index, (name, seconds, draw) in enumerate(planned):
        image = draw()
        path = workdir / f"scene-{index:02d}.png"
        image.save(path, compress_level=1)  # type: ignore[attr-defined]
        if index == 0:
            image.resize((width // 2, height // 2)).save(thumbnail, quality=85)  # type: ignore[attr-defined]
        scenes.append(Scene(name=name, image_path=path, seconds=seconds))
        if progress:
            progress(int(15 * (index + 1) / len(planned)))
    drawn = time.monotonic()
    output = workdir / "video.mp4"

    def encoding_progress(percent: int) -> None:
        if progress:
            progress(15 + int(percent * 0.84))

    duration = assemble(
        scenes,
        output,
        fade=timing.s(timing.fade),
        encoding=encoding,
        progress=encoding_progress,
    )
    warnings = [] if dojos is not None else ["dojo_data_unavailable"]
    return VideoResult(
        video=output,
        thumbnail=thumbnail,
        duration=duration,
        scenes=[scene.name for scene in scenes],
        draw_seconds=drawn - started,
        encode_seconds=time.monotonic() - drawn,
        warnings=warnings,
    )


__all__ = ["Encoding", "Timing", "VideoResult", "render_video"]
