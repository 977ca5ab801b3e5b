"""The repository's documents stand alone: what they cite and advertise exists.

A document that points at a file the repository does not have (a design
document kept elsewhere, a benchmark script that was never written) sends the
reader nowhere. Markdown links must resolve, every upper-case document name a
file mentions (``README.md`` style) must be a document the repository has, and
every path pattern ``make bench`` advertises
(the Makefile's help, ``local/bench.sh``, the local stack's table) must match
files.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

LINK = re.compile(r"\]\(([^)\s]+)\)")


def tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--cached", "--others", "--exclude-standard", "-z",
         "--", *patterns],
        capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    return [ROOT / name for name in out.split("\0") if name and (ROOT / name).is_file()]


MARKDOWN = tracked("*.md")


@pytest.mark.parametrize("document", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_of_a_document_resolves(document: Path) -> None:
    text = document.read_text(errors="replace")
    missing = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL or an anchor in the same document
        path = target.split("#", 1)[0]
        if path and not (document.parent / path).exists():
            missing.append(target)
    assert not missing, f"{document.relative_to(ROOT)} links to missing files: {missing}"


# Upper-case document names, as projects name their top-level notes.
DOCUMENT_NAME = re.compile(r"(?<![A-Za-z0-9_./-])([A-Z][A-Z0-9_-]*\.md)\b")


def test_no_file_names_a_document_the_repository_does_not_have() -> None:
    have = {path.name for path in MARKDOWN}
    citing = {}
    for path in tracked("*.md", "*.py", "*.sh", "*.toml", "Makefile", "*.conf"):
        missing = set(DOCUMENT_NAME.findall(path.read_text(errors="replace"))) - have
        if missing:
            citing[str(path.relative_to(ROOT))] = sorted(missing)
    assert not citing, f"these name documents the repository does not have: {citing}"


def test_the_document_name_check_finds_a_missing_document() -> None:
    missing = "NOTES-ELSEWHERE" + ".md"  # built, so this file does not name it
    assert DOCUMENT_NAME.findall(f"as decided in {missing} and docs/x.md") == [missing]
    assert missing not in {path.name for path in MARKDOWN}


def advertised_bench_patterns() -> list[str]:
    sources = [
        (ROOT / "Makefile").read_text(),
        (ROOT / "local" / "bench.sh").read_text(),
        next(line for line in (ROOT / "docs" / "local-stack.md").read_text().splitlines()
             if line.startswith("| `make bench`")),
    ]  # fmt: skip
    patterns = {
        match.replace("<name>", "*")
        for source in sources
        for match in re.findall(r"bench/[A-Za-z0-9_<>*./-]+", source)
    }
    return sorted(p.rstrip(".,)`") for p in patterns if not p.startswith("bench.sh"))


def test_make_bench_advertises_only_benchmarks_that_exist() -> None:
    patterns = advertised_bench_patterns()

    assert "bench/*/run.sh" in patterns
    missing = [pattern for pattern in patterns if not list(ROOT.glob(pattern))]
    assert not missing, f"make bench advertises what does not exist: {missing}"
