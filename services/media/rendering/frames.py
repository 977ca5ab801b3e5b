"""The year-in-review scenes, each drawn once as a still with Pillow.

Every scene is a function of the data and the canvas size; text is measured,
wrapped and ellipsized (``layout``), never left to overflow. Sizes derive from
the canvas width so vertical (1080x1920) and square (1080x1080) share code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw

from .data import Dojo, Figures, Poc
from .fonts import font
from .layout import ellipsize, wrap
from .text import label, month_name, number, printable, t

RGB = tuple[int, int, int]

BACKGROUNDS: list[tuple[RGB, RGB]] = [
    ((17, 24, 39), (49, 46, 129)),
    ((12, 74, 110), (15, 23, 42)),
    ((88, 28, 135), (17, 24, 39)),
    ((6, 78, 59), (15, 23, 42)),
    ((124, 45, 18), (30, 27, 75)),
    ((30, 41, 59), (8, 47, 73)),
]
ACCENTS: list[RGB] = [
    (250, 204, 21),
    (56, 189, 248),
    (244, 114, 182),
    (74, 222, 128),
    (251, 146, 60),
    (167, 139, 250),
]
WHITE: RGB = (255, 255, 255)
MUTED: RGB = (203, 213, 225)
CARD: RGB = (30, 41, 59)


@dataclass(frozen=True)
class Canvas:
    width: int
    height: int

    @property
    def vertical(self) -> bool:
        return self.height > self.width

    def u(self, value: float) -> int:
        """A length in units of 1/1080 of the width."""
        return round(value * self.width / 1080)


@dataclass(frozen=True)
class Story:
    """Everything the scenes show."""

    language: str
    year: int
    title: str
    figures: Figures
    pocs: Sequence[Poc]
    dojos: Sequence[Dojo] | None


@lru_cache(maxsize=16)
def _background(width: int, height: int, index: int) -> Image.Image:
    top, bottom = BACKGROUNDS[index % len(BACKGROUNDS)]
    mask = Image.linear_gradient("L").resize((width, height))
    return Image.composite(
        Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), mask
    )


def _new(canvas: Canvas, index: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = _background(canvas.width, canvas.height, index).copy()
    return image, ImageDraw.Draw(image)


def _center(
    draw: ImageDraw.ImageDraw,
    canvas: Canvas,
    y: int,
    text: str,
    size: int,
    *,
    bold: bool = False,
    fill: RGB = WHITE,
) -> int:
    """Draw centred lines from ``y``; returns the y below them."""
    face = font(size, bold=bold)
    for line in wrap(text, face, canvas.width - canvas.u(160), max_lines=3):
        width = face.getlength(line)
        draw.text(((canvas.width - width) / 2, y), line, font=face, fill=fill)
        y += round(size * 1.25)
    return y


def _heading(draw: ImageDraw.ImageDraw, canvas: Canvas, text: str, accent: RGB) -> int:
    top = canvas.u(220) if canvas.vertical else canvas.u(90)
    y = _center(draw, canvas, top, text, canvas.u(72), bold=True)
    bar = canvas.u(120)
    draw.rounded_rectangle(
        ((canvas.width - bar) / 2, y + canvas.u(10), (canvas.width + bar) / 2, y + canvas.u(22)),
        radius=canvas.u(6),
        fill=accent,
    )
    return y + canvas.u(80)


def _footer(draw: ImageDraw.ImageDraw, canvas: Canvas, story: Story) -> None:
    face = font(canvas.u(30))
    text = f"Pocdex · {story.year}"
    draw.text(
        ((canvas.width - face.getlength(text)) / 2, canvas.height - canvas.u(90)),
        text,
        font=face,
        fill=MUTED,
    )


def intro(story: Story, canvas: Canvas) -> Image.Image:
    image, draw = _new(canvas, 0)
    y = canvas.height // 2 - (canvas.u(420) if canvas.vertical else canvas.u(330))
    y = _center(
        draw, canvas, y, t(story.language, "year_in_review").upper(), canvas.u(44), fill=ACCENTS[0]
    )
    y = _center(draw, canvas, y + canvas.u(20), str(story.year), canvas.u(260), bold=True)
    y = _center(draw, canvas, y + canvas.u(30), story.title, canvas.u(70), bold=True)
    count = story.figures.total
    noun = t(story.language, "poc" if count == 1 else "pocs")
    _center(
        draw,
        canvas,
        y + canvas.u(30),
        f"{number(story.language, count)} {noun}",
        canvas.u(54),
        fill=MUTED,
    )
    return image


def totals(story: Story, canvas: Canvas) -> Image.Image:
    image, draw = _new(canvas, 1)
    y = _heading(draw, canvas, t(story.language, "totals_title"), ACCENTS[1])
    f = story.figures
    items = [
        (f.total, t(story.language, "pocs")),
        (f.languages_count, t(story.language, "languages")),
        (f.people_count, t(story.language, "people")),
    ]
    if f.dojo_count is not None:
        items.append((f.dojo_count, t(story.language, "dojos")))
    columns = 1 if canvas.vertical else 2
    rows = (len(items) + columns - 1) // columns
    area = canvas.height - y - canvas.u(160)
    cell_h = min(canvas.u(300), area // rows)
    cell_w = canvas.width // columns
    for i, (value, noun) in enumerate(items):
        cx = cell_w * (i % columns) + cell_w // 2
        cy = y + cell_h * (i // columns)
        big = font(canvas.u(150), bold=True)
        text = number(story.language, value)
        draw.text(
            (cx - big.getlength(text) / 2, cy), text, font=big, fill=ACCENTS[(i + 1) % len(ACCENTS)]
        )
        small = font(canvas.u(44))
        draw.text(
            (cx - small.getlength(noun) / 2, cy + canvas.u(175)), noun, font=small, fill=MUTED
        )
    _footer(draw, canvas, story)
    return image


def _bars(
    draw: ImageDraw.ImageDraw,
    canvas: Canvas,
    y: int,
    rows: Sequence[tuple[str, int]],
    accent: RGB,
    language: str,
    *,
    max_rows: int,
) -> None:
    rows = list(rows)[:max_rows]
    top = max((count for _, count in rows), default=1) or 1
    left, right = canvas.u(90), canvas.width - canvas.u(90)
    area = canvas.height - y - canvas.u(180)
    step = min(canvas.u(200), area // max(1, len(rows)))
    name_face = font(canvas.u(46), bold=True)
    count_face = font(canvas.u(42))
    for name, count in rows:
        count_text = number(language, count)
        count_width = count_face.getlength(count_text)
        draw.text(
            (left, y),
            ellipsize(name, name_face, right - left - round(count_width) - canvas.u(30)),
            font=name_face,
            fill=WHITE,
        )
        draw.text((right - count_width, y + canvas.u(4)), count_text, font=count_face, fill=MUTED)
        bar_y = y + canvas.u(66)
        draw.rounded_rectangle(
            (left, bar_y, right, bar_y + canvas.u(34)), radius=canvas.u(17), fill=(51, 65, 85)
        )
        width = max(canvas.u(34), round((right - left) * count / top))
        draw.rounded_rectangle(
            (left, bar_y, left + width, bar_y + canvas.u(34)), radius=canvas.u(17), fill=accent
        )
        y += step


def languages(story: Story, canvas: Canvas) -> Image.Image:
    image, draw = _new(canvas, 2)
    y = _heading(draw, canvas, t(story.language, "top_languages"), ACCENTS[2])
    if story.figures.by_language:
        _bars(
            draw,
            canvas,
            y,
            story.figures.by_language,
            ACCENTS[2],
            story.language,
            max_rows=7 if canvas.vertical else 5,
        )
    else:
        _center(
            draw,
            canvas,
            canvas.height // 2,
            t(story.language, "no_languages"),
            canvas.u(54),
            fill=MUTED,
        )
    _footer(draw, canvas, story)
    return image


def tags(story: Story, canvas: Canvas) -> Image.Image:
    image, draw = _new(canvas, 3)
    y = _heading(draw, canvas, t(story.language, "top_tags"), ACCENTS[3])
    rows = story.figures.by_tag[: 12 if canvas.vertical else 8]
    if not rows:
        _center(
            draw, canvas, canvas.height // 2, t(story.language, "no_tags"), canvas.u(54), fill=MUTED
        )
    face = font(canvas.u(44), bold=True)
    pad, gap = canvas.u(34), canvas.u(24)
    x, left, right = canvas.u(90), canvas.u(90), canvas.width - canvas.u(90)
    line_h = canvas.u(110)
    bottom = canvas.height - canvas.u(180)
    for i, (name, count) in enumerate(rows):
        text = ellipsize(f"#{name}  {number(story.language, count)}", face, right - left - 2 * pad)
        width = round(face.getlength(text)) + 2 * pad
        if x + width > right:
            x, y = left, y + line_h
        if y + line_h > bottom:
            break
        draw.rounded_rectangle(
            (x, y, x + width, y + canvas.u(80)),
            radius=canvas.u(40),
            fill=ACCENTS[(i + 3) % len(ACCENTS)],
        )
        draw.text((x + pad, y + canvas.u(14)), text, font=face, fill=(15, 23, 42))
        x += width + gap
    _footer(draw, canvas, story)
    return image


def months(story: Story, canvas: Canvas) -> Image.Image:
    image, draw = _new(canvas, 4)
    y = _heading(draw, canvas, t(story.language, "month_by_month"), ACCENTS[4])
    counts = [count for _, count in story.figures.by_month]
    top = max(counts, default=0) or 1
    left, right = canvas.u(70), canvas.width - canvas.u(70)
    base = canvas.height - canvas.u(240)
    height = base - y - canvas.u(70)
    slot = (right - left) / 12
    label_face = font(canvas.u(30))
    count_face = font(canvas.u(34), bold=True)
    for i, count in enumerate(counts):
        x0 = left + slot * i + slot * 0.15
        x1 = left + slot * (i + 1) - slot * 0.15
        bar = round(height * count / top)
        if count:
            draw.rounded_rectangle((x0, base - bar, x1, base), radius=canvas.u(10), fill=ACCENTS[4])
        text = number(story.language, count)
        draw.text(
            ((x0 + x1) / 2 - count_face.getlength(text) / 2, base - bar - canvas.u(48)),
            text,
            font=count_face,
            fill=WHITE,
        )
        name = month_name(story.language, i + 1, short=True)
        draw.text(
            ((x0 + x1) / 2 - label_face.getlength(name) / 2, base + canvas.u(18)),
            name,
            font=label_face,
            fill=MUTED,
        )
    _footer(draw, canvas, story)
    return image


def poc_card_pages(
    pocs: Sequence[Poc], *, per_page: int, max_pages: int
) -> tuple[list[list[Poc]], int]:
    """POCs grouped into pages; what does not fit is counted, newest shown first."""
    ordered = sorted(pocs, key=lambda p: (p.day or dt.date.min, p.name), reverse=True)
    shown = ordered[: per_page * max_pages]
    pages = [list(shown[i : i + per_page]) for i in range(0, len(shown), per_page)]
    return pages, len(ordered) - len(shown)


def poc_cards(
    story: Story, canvas: Canvas, page: Sequence[Poc], number_of: tuple[int, int], hidden: int
) -> Image.Image:
    image, draw = _new(canvas, 5)
    index, pages = number_of
    title = (
        t(story.language, "poc_cards")
        if pages == 1
        else t(story.language, "poc_cards_page", page=index, pages=pages)
    )
    y = _heading(draw, canvas, title, ACCENTS[5])
    left, right = canvas.u(80), canvas.width - canvas.u(80)
    per_page = 4 if canvas.vertical else 3
    bottom = canvas.height - canvas.u(170) - (canvas.u(70) if hidden else 0)
    gap = canvas.u(28)
    card_h = min(canvas.u(300), (bottom - y - gap * (per_page - 1)) // per_page)
    name_face = font(canvas.u(50), bold=True)
    meta_face = font(canvas.u(34))
    inner = right - left - canvas.u(60)
    for i, poc in enumerate(page):
        top = y + i * (card_h + gap)
        draw.rounded_rectangle((left, top, right, top + card_h), radius=canvas.u(28), fill=CARD)
        draw.rounded_rectangle(
            (left, top, left + canvas.u(14), top + card_h),
            radius=canvas.u(7),
            fill=ACCENTS[i % len(ACCENTS)],
        )
        lines = wrap(poc.name, name_face, inner, max_lines=2 if card_h >= canvas.u(250) else 1)
        ty = top + canvas.u(26)
        for line in lines:
            draw.text((left + canvas.u(40), ty), line, font=name_face, fill=WHITE)
            ty += canvas.u(62)
        meta = " · ".join(
            part
            for part in (
                ", ".join(poc.languages[:3]),
                label(story.language, "status", poc.status) if poc.status else "",
                month_name(story.language, poc.day.month) + f" {poc.day.year}" if poc.day else "",
            )
            if part
        )
        draw.text(
            (left + canvas.u(40), ty + canvas.u(6)),
            ellipsize(meta, meta_face, inner),
            font=meta_face,
            fill=MUTED,
        )
    if hidden and index == pages:
        _center(
            draw,
            canvas,
            bottom + canvas.u(10),
            t(story.language, "and_more", count=number(story.language, hidden)),
            canvas.u(44),
            fill=ACCENTS[0],
        )
    _footer(draw, canvas, story)
    return image


def dojos(story: Story, canvas: Canvas) -> Image.Image:
    image, draw = _new(canvas, 1)
    y = _heading(draw, canvas, t(story.language, "dojos_title"), ACCENTS[1])
    f = story.figures
    if f.dojo_count is None:
        _center(
            draw,
            canvas,
            canvas.height // 2 - canvas.u(60),
            t(story.language, "dojo_unavailable"),
            canvas.u(52),
            fill=MUTED,
        )
    elif f.dojo_count == 0:
        _center(
            draw,
            canvas,
            canvas.height // 2 - canvas.u(60),
            t(story.language, "no_dojos"),
            canvas.u(56),
            fill=MUTED,
        )
    else:
        y = _center(
            draw,
            canvas,
            y + canvas.u(40),
            number(story.language, f.dojo_count),
            canvas.u(200),
            bold=True,
            fill=ACCENTS[1],
        )
        y = _center(draw, canvas, y, t(story.language, "dojos"), canvas.u(50), fill=MUTED)
        y = _center(
            draw,
            canvas,
            y + canvas.u(40),
            number(story.language, f.dojo_hours or 0, decimals=1),
            canvas.u(120),
            bold=True,
        )
        y = _center(draw, canvas, y, t(story.language, "dojo_hours"), canvas.u(44), fill=MUTED)
        face = font(canvas.u(40))
        for name, count, _seconds in f.dojo_people[: 5 if canvas.vertical else 2]:
            text = ellipsize(
                f"{printable(name)} · {number(story.language, count)}",
                face,
                canvas.width - canvas.u(200),
            )
            draw.text(
                ((canvas.width - face.getlength(text)) / 2, y + canvas.u(30)),
                text,
                font=face,
                fill=WHITE,
            )
            y += canvas.u(62)
    _footer(draw, canvas, story)
    return image


def outro(story: Story, canvas: Canvas) -> Image.Image:
    image, draw = _new(canvas, 0)
    y = canvas.height // 2 - canvas.u(200)
    y = _center(draw, canvas, y, t(story.language, "outro"), canvas.u(80), bold=True)
    _center(
        draw,
        canvas,
        y + canvas.u(60),
        t(story.language, "made_with"),
        canvas.u(44),
        fill=ACCENTS[0],
    )
    return image


def empty_year(story: Story, canvas: Canvas) -> Image.Image:
    image, draw = _new(canvas, 2)
    y = canvas.height // 2 - canvas.u(260)
    y = _center(draw, canvas, y, str(story.year), canvas.u(200), bold=True)
    y = _center(
        draw,
        canvas,
        y + canvas.u(30),
        t(story.language, "empty_year", year=story.year),
        canvas.u(60),
        bold=True,
    )
    _center(
        draw,
        canvas,
        y + canvas.u(30),
        t(story.language, "empty_year_hint"),
        canvas.u(44),
        fill=MUTED,
    )
    return image


SceneDrawer = Callable[[Story, Canvas], Image.Image]
