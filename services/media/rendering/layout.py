"""Text that fits: wrapping by measured width, ellipsis, at most N lines."""

from __future__ import annotations

from PIL import ImageFont

from .text import printable

ELLIPSIS = "…"


def _fit_word(word: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """A single word longer than the line, cut with an ellipsis."""
    if font.getlength(word) <= width:
        return word
    while word and font.getlength(word + ELLIPSIS) > width:
        word = word[:-1]
    return word + ELLIPSIS


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int, *, max_lines: int = 2) -> list[str]:
    """Lines of ``text`` no wider than ``width`` pixels; the last one ellipsized if cut."""
    words = printable(text).split(" ")
    lines: list[str] = []
    current = ""
    index = 0
    while index < len(words):
        word = words[index]
        candidate = f"{current} {word}".strip()
        if font.getlength(candidate) <= width:
            current = candidate
            index += 1
            continue
        if not current:
            # One word wider than the line: cut it.
            current = _fit_word(word, font, width)
            index += 1
        lines.append(current)
        current = ""
        if len(lines) == max_lines:
            break
    if current and len(lines) < max_lines:
        lines.append(current)
    if index < len(words) and lines:
        last = lines[-1]
        while last and font.getlength(last + ELLIPSIS) > width:
            last = last[:-1].rstrip()
        lines[-1] = (last.rstrip(" ,.;:-") or last) + ELLIPSIS
    return [line for line in lines if line]


def ellipsize(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    lines = wrap(text, font, width, max_lines=1)
    return lines[0] if lines else ""
