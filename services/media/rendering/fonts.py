"""The fonts of every output: DejaVu Sans, from Debian's ``fonts-dejavu-core``.

``local/bootstrap.sh`` installs the package; the Dockerfile does too. It covers
Latin with every accent Portuguese needs (and far more), which the base-14 PDF
fonts and Pillow's bitmap default do not. ``MEDIA_FONT_DIR`` points elsewhere.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
)
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"


class FontMissingError(RuntimeError):
    """The font files are not installed: ``apt-get install fonts-dejavu-core``."""


@lru_cache(maxsize=1)
def font_dir() -> Path:
    configured = os.environ.get("MEDIA_FONT_DIR")
    for candidate in ([configured] if configured else []) + list(_CANDIDATES):
        path = Path(candidate)
        if (path / REGULAR).is_file() and (path / BOLD).is_file():
            return path
    raise FontMissingError(
        "DejaVu Sans not found (install the Debian package fonts-dejavu-core or set MEDIA_FONT_DIR)"
    )


def font_path(*, bold: bool = False) -> Path:
    return font_dir() / (BOLD if bold else REGULAR)


@lru_cache(maxsize=64)
def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(bold=bold)), size=size)
