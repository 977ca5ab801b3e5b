"""The CSV report: one row per POC, headers in the report's language, UTF-8 with BOM.

The BOM makes spreadsheet programs (Excel in pt-BR above all) read accents
right; the separator stays the comma of RFC 4180.

Every cell of people's text (names, tags, summaries...) goes through
``neutralize``: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula (OWASP "CSV injection"), so a POC
named ``=HYPERLINK(...)`` would run in the reader's spreadsheet. Such a cell is
prefixed with an apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from .data import Poc
from .text import label, short_date, t

COLUMNS = (
    "id",
    "name",
    "status",
    "outcome",
    "languages",
    "frameworks",
    "tags",
    "author",
    "contributors",
    "started_on",
    "finished_on",
    "created_on",
    "summary_col",
    "learnings",
)


# OWASP's list, plus the full-width forms some spreadsheets read the same way.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralize(cell: str) -> str:
    """The cell as text a spreadsheet will not evaluate."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def render_csv(pocs: Sequence[Poc], language: str, output: Path) -> int:
    """Write the CSV; returns the number of POC rows."""
    ordered = sorted(pocs, key=lambda p: (p.day.isoformat() if p.day else "", p.name))
    with output.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        headers = [t(language, column) for column in COLUMNS]
        writer.writerow([header[:1].upper() + header[1:] for header in headers])
        for poc in ordered:
            cells = [
                poc.id,
                poc.name,
                label(language, "status", poc.status) if poc.status else "",
                label(language, "outcome", poc.outcome) if poc.outcome else "",
                "; ".join(poc.languages),
                "; ".join(poc.frameworks),
                "; ".join(poc.tags),
                poc.author.name if poc.author else "",
                "; ".join(c.name for c in poc.contributors),
                short_date(language, poc.started_on),
                short_date(language, poc.finished_on),
                short_date(language, poc.created_on),
                poc.summary,
                poc.learnings,
            ]
            writer.writerow([neutralize(str(cell)) for cell in cells])
    return len(ordered)
