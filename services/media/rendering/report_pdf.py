"""The PDF report: figures, charts, outcomes and learnings, dojo participation, every POC.

ReportLab's platypus lays out the pages; charts are ReportLab graphics drawn
as vectors (no raster images, so pages stay small and text stays extractable).
DejaVu Sans is embedded (subset) for every accent and name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .data import Dojo, Figures, Poc, figures, months_between
from .fonts import font_path
from .text import date, label, month_name, number, printable, short_date, t

ACCENT = colors.HexColor("#4338CA")
MUTED = colors.HexColor("#475569")
ROWS_PER_TABLE = 40  # long tables are built in chunks: splitting one huge table is slow


@lru_cache(maxsize=1)
def _fonts() -> tuple[str, str]:
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(font_path())))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(font_path(bold=True))))
    pdfmetrics.registerFontFamily("DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold")
    return "DejaVuSans", "DejaVuSans-Bold"


@dataclass(frozen=True)
class ReportInput:
    language: str
    scope: str  # "organization" or "me"
    subject_name: str  # the organization's or the person's name
    start: dt.date
    end: dt.date
    pocs: Sequence[Poc]
    dojos: Sequence[Dojo] | None  # None: dojo data unavailable
    generated_on: dt.date


def report_figures(data: ReportInput) -> Figures:
    return figures(data.pocs, data.dojos, months=months_between(data.start, data.end))


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=22, leading=28, textColor=ACCENT),
        "h2": ParagraphStyle(
            "h2", fontName=bold, fontSize=14, leading=18, spaceBefore=10, spaceAfter=6
        ),
        "h3": ParagraphStyle("h3", fontName=bold, fontSize=10.5, leading=13, spaceBefore=6),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5),
        "muted": ParagraphStyle("muted", fontName=regular, fontSize=9, leading=12, textColor=MUTED),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(printable(text)), style)


def _bar_chart(
    rows: Sequence[tuple[str, int]], *, width: float, horizontal: bool, title: str
) -> Drawing:
    regular, bold = _fonts()
    rows = list(rows)
    height = max(60.0, 16.0 * len(rows) + 40) if horizontal else 170.0
    drawing = Drawing(width, height)
    chart: Any = HorizontalBarChart() if horizontal else VerticalBarChart()
    chart.x, chart.y = (110, 10) if horizontal else (30, 30)
    chart.width = width - (130 if horizontal else 50)
    chart.height = height - (40 if horizontal else 60)
    values = [count for _, count in rows] or [0]
    chart.data = [values if not horizontal else list(reversed(values))]
    names = [name[:18] for name, _ in rows] or [""]
    chart.categoryAxis.categoryNames = names if not horizontal else list(reversed(names))
    chart.categoryAxis.labels.fontName = regular
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = regular
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max(values) if values else 0
    chart.valueAxis.valueMax = max(1, top)
    chart.valueAxis.valueStep = max(1, -(-top // 5))
    chart.bars[0].fillColor = ACCENT
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = regular
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    if horizontal:
        chart.categoryAxis.labels.dx = -4
        chart.categoryAxis.labels.boxAnchor = "e"
    else:
        chart.categoryAxis.labels.angle = 30 if len(rows) > 8 else 0
        chart.categoryAxis.labels.boxAnchor = "ne" if len(rows) > 8 else "n"
    drawing.add(chart)
    drawing.add(String(0, height - 12, title, fontName=bold, fontSize=10))
    return drawing


def _table(rows: list[list[Any]], widths: Sequence[float], *, header: bool = True) -> Table:
    regular, bold = _fonts()
    table = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), regular),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#CBD5E1")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style += [
            ("FONTNAME", (0, 0), (-1, 0), bold),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ]
    table.setStyle(TableStyle(style))
    return table


def render_pdf(data: ReportInput, output: Path) -> Figures:
    """Write the report to ``output``; returns the figures it shows."""
    lang = data.language
    styles = _styles()
    regular, _bold = _fonts()
    f = report_figures(data)
    width = A4[0] - 36 * mm
    story: list[Any] = []

    subject = t(
        lang,
        "report_org" if data.scope == "organization" else "report_person",
        name=data.subject_name,
    )
    story += [
        _p(t(lang, "report_title"), styles["title"]),
        _p(subject, styles["body"]),
        _p(
            t(lang, "report_period", start=date(lang, data.start), end=date(lang, data.end)),
            styles["body"],
        ),
        _p(t(lang, "report_generated", date=date(lang, data.generated_on)), styles["muted"]),
        Spacer(1, 8),
        _p(t(lang, "summary"), styles["h2"]),
    ]
    summary = [
        [t(lang, "total_pocs"), number(lang, f.total)],
        [t(lang, "languages").capitalize(), number(lang, f.languages_count)],
        [t(lang, "people").capitalize(), number(lang, f.people_count)],
        [
            t(lang, "dojo_sessions"),
            number(lang, f.dojo_count) if f.dojo_count is not None else t(lang, "dojo_unavailable"),
        ],
    ]
    story.append(_table(summary, [width * 0.45, width * 0.55], header=False))
    if not data.pocs:
        story += [Spacer(1, 10), _p(t(lang, "no_pocs_period"), styles["body"])]

    status_rows = [(label(lang, "status", s), c) for s, c in f.by_status]
    month_rows = [
        (f"{month_name(lang, m, short=True)}/{str(y)[2:]}", c) for (y, m), c in f.by_month
    ]
    story += [
        Spacer(1, 10),
        _bar_chart(status_rows, width=width, horizontal=True, title=t(lang, "by_status")),
        Spacer(1, 6),
        _bar_chart(month_rows, width=width, horizontal=False, title=t(lang, "by_month")),
        PageBreak(),
        _bar_chart(f.by_language[:15], width=width, horizontal=True, title=t(lang, "by_language")),
        Spacer(1, 10),
        _bar_chart(f.by_tag[:15], width=width, horizontal=True, title=t(lang, "by_tag")),
    ]
    # Figures as text too: exact numbers, and what a screen reader or a test reads.
    for title, rows in (
        (t(lang, "by_status"), status_rows),
        (t(lang, "by_language"), f.by_language),
        (t(lang, "by_tag"), f.by_tag),
        (t(lang, "by_month"), month_rows),
        (t(lang, "outcomes"), [(label(lang, "outcome", o), c) for o, c in f.by_outcome]),
    ):
        if not rows:
            continue
        table_rows = [[t(lang, "name"), t(lang, "count")]] + [
            [printable(n), number(lang, c)] for n, c in rows
        ]
        story += [
            Spacer(1, 8),
            KeepTogether([_p(title, styles["h3"]), _table(table_rows, [width * 0.7, width * 0.3])])
            if len(table_rows) < 25
            else _table(table_rows, [width * 0.7, width * 0.3]),
        ]

    story += [PageBreak(), _p(t(lang, "outcomes_and_learnings"), styles["h2"])]
    with_notes = [p for p in data.pocs if p.learnings.strip() or p.outcome]
    if not with_notes:
        story.append(_p(t(lang, "no_learnings"), styles["body"]))
    for poc in sorted(with_notes, key=lambda p: (p.day or dt.date.min, p.name)):
        meta = " · ".join(
            x
            for x in (
                label(lang, "outcome", poc.outcome) if poc.outcome else "",
                short_date(lang, poc.day),
            )
            if x
        )
        story += [_p(f"{poc.name} — {meta}" if meta else poc.name, styles["h3"])]
        if poc.learnings.strip():
            story.append(_p(poc.learnings, styles["body"]))

    story += [PageBreak(), _p(t(lang, "dojo_participation"), styles["h2"])]
    if f.dojo_count is None:
        story.append(_p(t(lang, "dojo_unavailable"), styles["body"]))
    elif not f.dojo_people:
        story.append(_p(t(lang, "no_dojos"), styles["body"]))
    else:
        dojo_rows: list[list[Any]] = [
            [t(lang, "participant"), t(lang, "sessions"), t(lang, "pilot_minutes")]
        ] + [
            [printable(name), number(lang, count), number(lang, seconds / 60, decimals=0)]
            for name, count, seconds in f.dojo_people
        ]
        story.append(_table(dojo_rows, [width * 0.5, width * 0.2, width * 0.3]))

    if data.pocs:
        story += [PageBreak(), _p(t(lang, "pocs"), styles["h2"])]
        header = [
            t(lang, "name"),
            t(lang, "status"),
            t(lang, "languages").capitalize(),
            t(lang, "author"),
            t(lang, "started_on"),
        ]
        ordered = sorted(data.pocs, key=lambda p: (p.day or dt.date.min, p.name))
        widths = [width * 0.36, width * 0.14, width * 0.2, width * 0.18, width * 0.12]
        for start in range(0, len(ordered), ROWS_PER_TABLE):
            poc_rows: list[list[Any]] = [header] + [
                [
                    _p(poc.name, styles["cell"]),
                    label(lang, "status", poc.status) if poc.status else "",
                    _p(", ".join(poc.languages), styles["cell"]),
                    _p(poc.author.name if poc.author else "", styles["cell"]),
                    short_date(lang, poc.day),
                ]
                for poc in ordered[start : start + ROWS_PER_TABLE]
            ]
            story.append(_table(poc_rows, widths))

    def page_footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(18 * mm, 10 * mm, f"Pocdex · {printable(data.subject_name)}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, t(lang, "page", page=doc.page))
        canvas.restoreState()

    document = SimpleDocTemplate(
        str(output),
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=t(lang, "report_title"),
        author="Pocdex",
        invariant=1,  # same input, same bytes: retries rewrite an identical object
    )
    document.build(story, onFirstPage=page_footer, onLaterPages=page_footer)
    return f
