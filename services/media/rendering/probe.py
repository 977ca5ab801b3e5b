"""What ffprobe says about a produced MP4, and whether it meets the delivery rules."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class VideoFacts:
    codec: str
    profile: str
    level: int
    pix_fmt: str
    width: int
    height: int
    duration: float
    audio_codec: str | None
    faststart: bool


def _top_level_atoms(path: Path) -> list[str]:
    """The order of the MP4's top-level boxes (``moov`` before ``mdat`` = faststart)."""
    atoms = []
    with path.open("rb") as handle:
        while True:
            header = handle.read(8)
            if len(header) < 8:
                break
            size = int.from_bytes(header[:4], "big")
            kind = header[4:8].decode("latin-1")
            atoms.append(kind)
            if size == 1:
                size = int.from_bytes(handle.read(8), "big")
                handle.seek(size - 16, 1)
            elif size == 0:
                break
            else:
                handle.seek(size - 8, 1)
    return atoms


def probe(path: Path) -> VideoFacts:
    # Debian's ffprobe from PATH, like ffmpeg itself; fixed arguments and a path we wrote.
    command = ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)]
    raw = subprocess.run(
        command,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    info = json.loads(raw)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next((s for s in info["streams"] if s["codec_type"] == "audio"), None)
    atoms = _top_level_atoms(path)
    return VideoFacts(
        codec=video["codec_name"],
        profile=video.get("profile", ""),
        level=int(video.get("level", 0)),
        pix_fmt=video.get("pix_fmt", ""),
        width=int(video["width"]),
        height=int(video["height"]),
        duration=float(info["format"]["duration"]),
        audio_codec=audio["codec_name"] if audio else None,
        faststart="moov" in atoms and "mdat" in atoms and atoms.index("moov") < atoms.index("mdat"),
    )


def delivery_problems(facts: VideoFacts, *, max_seconds: float = 90.0) -> list[str]:
    """Empty when the video meets the delivery rules (H.264 High ≤ 4.1, yuv420p, AAC, faststart)."""
    problems = []
    if facts.codec != "h264":
        problems.append(f"codec {facts.codec}")
    if facts.profile != "High":
        problems.append(f"profile {facts.profile}")
    if not 0 < facts.level <= 41:
        problems.append(f"level {facts.level}")
    if facts.pix_fmt != "yuv420p":
        problems.append(f"pix_fmt {facts.pix_fmt}")
    if facts.audio_codec != "aac":
        problems.append(f"audio {facts.audio_codec}")
    if not facts.faststart:
        problems.append("moov after mdat")
    if facts.duration > max_seconds + 0.05:
        problems.append(f"duration {facts.duration}")
    return problems
