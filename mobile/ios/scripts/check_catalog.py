#!/usr/bin/env python3
"""Check the app's String Catalog against itself and against the SwiftUI views.

The catalog (App/Pocdex/Localizable.xcstrings) must give every key an English
and a Portuguese (Brazil) text that is non-empty, marked "translated", and
carries the same format specifiers as the key. Every string literal the views
hand to a localizing SwiftUI initializer or modifier (Text("..."),
Label("...", systemImage:), Button("..."), .navigationTitle("..."), ...) must
be a key of the catalog, and every key must be used by some view. A ternary of
literals inside such a call (`Text(flag ? "A" : "B")`) is refused: Swift makes it
a String, which SwiftUI shows without looking it up.

Usage:
    check_catalog.py [--catalog FILE] [--sources DIR ...]
    check_catalog.py --self-test

Exit status 0 when everything holds, 1 with the list of problems otherwise.
Runs with the Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("en", "pt-BR")
HERE = Path(__file__).resolve().parent
DEFAULT_CATALOG = HERE.parent / "App" / "Pocdex" / "Localizable.xcstrings"
DEFAULT_SOURCES = (HERE.parent / "App" / "PocdexUI", HERE.parent / "App" / "Pocdex")

# printf-style specifiers as Foundation reads them (%@, %lld, %1$@, %.1f ...);
# "%%" is a literal percent sign and is skipped by the tokenizer below.
SPECIFIER = re.compile(
    r"%(?:(?P<pos>\d+)\$)?[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?"
    r"(?P<len>hh|h|ll|l|q|L|z|t|j)?(?P<conv>[@dDiuUxXoOfFeEgGaAcCsSp])"
)

# the same without named groups, to stand for one interpolation of a literal
ANY_SPECIFIER = re.sub(r"\?P<\w+>", "", SPECIFIER.pattern)

# Callees whose first unlabelled string literal is a LocalizedStringKey.
LOCALIZING_CALLS = (
    "Text", "Label", "Button", "TextField", "SecureField", "Toggle", "Picker",
    "Section", "LabeledContent", "Link", "Menu", "NavigationLink", "ShareLink",
    "ContentUnavailableView", "ProgressView", "Stepper", "DatePicker", "Gauge",
    "LocalizedStringKey", "LocalizedStringResource", "Tab",
    # the app's own components take LocalizedStringKey first arguments
    "StatusBanner", "UndoToast", "SecondaryFormLink",
)
# Modifiers whose first unlabelled string literal is a LocalizedStringKey.
LOCALIZING_MODIFIERS = (
    "navigationTitle", "alert", "confirmationDialog", "accessibilityLabel",
    "accessibilityHint", "accessibilityValue", "help", "badge",
)
# Labelled arguments whose string literal is a LocalizedStringKey.
LOCALIZING_LABELS = ("prompt", "titleKey", "title", "message", "hint", "localized", "actionTitle", "label")

def _patterns(calls, modifiers, labels):
    call_re = re.compile(r"(?<![\w.])(?P<name>" + "|".join(sorted(calls)) + r")\s*\(\s*(?P<lit>\")")
    modifier_re = re.compile(r"\.(?P<name>" + "|".join(sorted(modifiers)) + r")\s*\(\s*(?P<lit>\")")
    label_re = re.compile(r"\b(?P<name>" + "|".join(sorted(labels)) + r")\s*:\s*(?P<lit>\")")
    # `Text(flag ? "A" : "B")`: the literals become a String, which SwiftUI shows unlocalized.
    ternary_re = re.compile(
        r"(?<![\w.])(?P<name>" + "|".join(sorted(calls | modifiers))
        + r")\s*\((?!\s*verbatim:)[^\"()\n]*?(?<!\?)\?(?!\?)\s*\""
    )
    return call_re, modifier_re, label_re, ternary_re


# The app's own functions, initializers and properties that take a LocalizedStringKey are
# found in the sources, so that `submitButton("Send code")` counts like `Text("Send code")`.
KEY_FUNC_RE = re.compile(r"func\s+(\w+)\s*(?:<[^>]*>)?\s*\(\s*_\s+\w+\s*:\s*LocalizedStringKey\b")
KEY_INIT_RE = re.compile(r"init\s*\(\s*_\s+\w+\s*:\s*LocalizedStringKey\b")
KEY_LABEL_RE = re.compile(r"(?:\(|,|\blet|\bvar)\s*(\w+)\s*:\s*LocalizedStringKey\b")
TYPE_RE = re.compile(r"\b(?:struct|class|enum|extension)\s+(\w+)")


def discover(sources_text: list[str]) -> tuple[set[str], set[str]]:
    """Callees and argument labels of the app's own APIs taking a LocalizedStringKey."""
    calls: set[str] = set()
    labels: set[str] = set()
    for text in sources_text:
        calls.update(KEY_FUNC_RE.findall(text))
        for m in KEY_INIT_RE.finditer(text):
            owners = TYPE_RE.findall(text, 0, m.start())
            if owners:
                calls.add(owners[-1])
        labels.update(name for name in KEY_LABEL_RE.findall(text) if name != "_")
    return calls, labels


PATTERNS = _patterns(set(LOCALIZING_CALLS), set(LOCALIZING_MODIFIERS), set(LOCALIZING_LABELS))


@dataclass(frozen=True)
class Use:
    """A string literal a view hands to a localizing API."""

    path: str
    line: int
    literal: str  # as written in Swift, without the quotes
    parts: tuple  # ("text", "...") / ("interp", "...") in order

    @property
    def has_interpolation(self) -> bool:
        return any(kind == "interp" for kind, _ in self.parts)

    def key(self) -> str:
        """The catalog key Xcode derives, for a literal without interpolation."""
        return "".join(value for _, value in self.parts)

    def matcher(self) -> re.Pattern:
        """A pattern matching the key Xcode derives for an interpolated literal."""
        out = []
        for kind, value in self.parts:
            if kind == "text":
                out.append(re.escape(value.replace("%", "%%")))
            else:
                out.append(ANY_SPECIFIER)
        return re.compile("^" + "".join(out) + "$")

    def meaningful(self) -> bool:
        text = "".join(value for kind, value in self.parts if kind == "text")
        return any(ch.isalpha() for ch in text)


# ---------------------------------------------------------------- catalog side


def specifiers(text: str) -> list[str]:
    """The ordered format specifiers of a text, positional ones put in order."""
    found: list[tuple[int, str]] = []
    i = 0
    auto = 0
    while i < len(text):
        if text[i] != "%":
            i += 1
            continue
        if text.startswith("%%", i):
            i += 2
            continue
        m = SPECIFIER.match(text, i)
        if not m:
            found.append((10_000 + auto, "%?"))  # a lone "%" the formatter cannot read
            auto += 1
            i += 1
            continue
        auto += 1
        pos = int(m.group("pos")) if m.group("pos") else auto
        conv = (m.group("len") or "") + m.group("conv")
        found.append((pos, conv))
        i = m.end()
    return [conv for _, conv in sorted(found)]


def leaves(entry: dict, where: str):
    """Yield (where, stringUnit) for a localization: plain or with variations."""
    if "stringUnit" in entry:
        yield where, entry["stringUnit"], False
    variations = entry.get("variations") or {}
    for kind, cases in variations.items():
        if not isinstance(cases, dict) or not cases:
            yield f"{where} {kind}", None, True
            continue
        for case, sub in cases.items():
            for item in leaves(sub, f"{where} {kind}.{case}"):
                yield item[0], item[1], kind == "plural" and case != "other"
    if "stringUnit" not in entry and not variations:
        yield where, None, False


def check_catalog(catalog: dict) -> tuple[list[str], set[str]]:
    problems: list[str] = []
    if catalog.get("sourceLanguage") != "en":
        problems.append(f'sourceLanguage is {catalog.get("sourceLanguage")!r}, expected "en"')
    strings = catalog.get("strings")
    if not isinstance(strings, dict):
        return problems + ['no "strings" object'], set()
    for key, body in sorted(strings.items()):
        label = json.dumps(key, ensure_ascii=False)
        if not key.strip():
            problems.append("an empty key")
            continue
        if body.get("extractionState") == "stale":
            problems.append(f"{label}: marked stale (no view uses it any more)")
        if body.get("shouldTranslate") is False:
            problems.append(f"{label}: marked do-not-translate; every text must be translated")
        expected = specifiers(key)
        localizations = body.get("localizations") or {}
        for language in LANGUAGES:
            if language not in localizations:
                problems.append(f"{label}: no {language} text")
                continue
            has_plural_other = True
            for where, unit, partial in leaves(localizations[language], language):
                if unit is None:
                    problems.append(f"{label}: {where} has no text")
                    continue
                if unit.get("state") != "translated":
                    problems.append(f'{label}: {where} state is {unit.get("state")!r}, expected "translated"')
                value = unit.get("value")
                if not isinstance(value, str) or not value.strip():
                    problems.append(f"{label}: {where} is empty")
                    continue
                got = specifiers(value)
                if partial:
                    # a plural case such as "one" may leave the number out
                    if any(spec not in expected for spec in got):
                        problems.append(
                            f"{label}: {where} has format specifiers {got}, the key has {expected}"
                        )
                elif got != expected:
                    problems.append(f"{label}: {where} has format specifiers {got}, the key has {expected}")
            plural = (localizations[language].get("variations") or {}).get("plural")
            if plural is not None and "other" not in plural:
                has_plural_other = False
            if not has_plural_other:
                problems.append(f'{label}: {language} plural has no "other" case')
    return problems, set(strings)


# ----------------------------------------------------------------- source side

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "'": "'", "\\": "\\"}


def read_literal(source: str, start: int) -> tuple[tuple, str, int] | None:
    """Parse a Swift string literal whose opening quote is at `start`.

    Returns (parts, raw, end) or None for a multi-line literal.
    """
    if source.startswith('"""', start):
        return None
    i = start + 1
    parts: list[tuple[str, str]] = []
    text: list[str] = []
    while i < len(source):
        ch = source[i]
        if ch == '"':
            if text:
                parts.append(("text", "".join(text)))
            return tuple(parts), source[start + 1 : i], i + 1
        if ch == "\n":
            break
        if ch == "\\":
            nxt = source[i + 1] if i + 1 < len(source) else ""
            if nxt == "(":
                depth = 1
                j = i + 2
                in_string = False
                while j < len(source) and depth:
                    c = source[j]
                    if in_string:
                        if c == "\\":
                            j += 1
                        elif c == '"':
                            in_string = False
                    elif c == '"':
                        in_string = True
                    elif c == "(":
                        depth += 1
                    elif c == ")":
                        depth -= 1
                    j += 1
                if text:
                    parts.append(("text", "".join(text)))
                    text = []
                parts.append(("interp", source[i + 2 : j - 1]))
                i = j
                continue
            if nxt == "u" and source.startswith("{", i + 2):
                close = source.index("}", i + 3)
                text.append(chr(int(source[i + 3 : close], 16)))
                i = close + 1
                continue
            text.append(ESCAPES.get(nxt, nxt))
            i += 2
            continue
        text.append(ch)
        i += 1
    return None


def strip_comments(source: str) -> str:
    """Blank out // and /* */ comments, keeping offsets and string literals."""
    out = list(source)
    i = 0
    n = len(source)
    while i < n:
        if source.startswith('"""', i):
            end = source.find('"""', i + 3)
            i = n if end < 0 else end + 3
        elif source[i] == '"':
            i += 1
            while i < n and source[i] not in '"\n':
                i += 2 if source[i] == "\\" else 1
            i += 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            end = n if end < 0 else end
            for k in range(i, end):
                out[k] = " "
            i = end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            for k in range(i, end):
                if out[k] != "\n":
                    out[k] = " "
            i = end
        else:
            i += 1
    return "".join(out)


def uses_in(path: Path, shown: str, patterns=None) -> list[Use]:
    source = strip_comments(path.read_text(encoding="utf-8"))
    found: dict[int, Use] = {}
    for regex in (patterns or PATTERNS)[:3]:
        for m in regex.finditer(source):
            start = m.start("lit")
            if start in found:
                continue
            parsed = read_literal(source, start)
            if parsed is None:
                continue
            parts, raw, _ = parsed
            line = source.count("\n", 0, start) + 1
            found[start] = Use(shown, line, raw, parts)
    return [found[k] for k in sorted(found)]


def ternaries_in(path: Path, shown: str, patterns=None) -> list[str]:
    source = strip_comments(path.read_text(encoding="utf-8"))
    return [
        f"{shown}:{source.count(chr(10), 0, m.start()) + 1}: {m.group('name')}(… ? \"…\" : \"…\") shows a String "
        "unlocalized; use one localized call per branch"
        for m in (patterns or PATTERNS)[3].finditer(source)
    ]


def swift_files(sources: list[Path]):
    for root in sources:
        if root.is_file():
            yield root
        else:
            yield from sorted(p for p in root.rglob("*.swift") if p.is_file())


def shown_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def patterns_for(sources: list[Path]):
    texts = [strip_comments(p.read_text(encoding="utf-8")) for p in swift_files(sources)]
    calls, labels = discover(texts)
    return _patterns(set(LOCALIZING_CALLS) | calls, set(LOCALIZING_MODIFIERS), set(LOCALIZING_LABELS) | labels)


def collect_uses(sources: list[Path], patterns=None) -> list[Use]:
    patterns = patterns or patterns_for(sources)
    uses: list[Use] = []
    for path in swift_files(sources):
        uses.extend(u for u in uses_in(path, shown_path(path), patterns) if u.meaningful())
    return uses


def check_uses(uses: list[Use], keys: set[str]) -> tuple[list[str], set[str]]:
    problems: list[str] = []
    used: set[str] = set()
    for use in uses:
        if use.has_interpolation:
            pattern = use.matcher()
            matches = [k for k in keys if pattern.match(k)]
            if not matches:
                problems.append(f'{use.path}:{use.line}: "{use.literal}" has no catalog key (with its interpolations as %@, %lld ...)')
            used.update(matches)
        else:
            key = use.key()
            if key not in keys:
                problems.append(f'{use.path}:{use.line}: "{use.literal}" is not a key of the catalog')
            used.add(key)
    return problems, used


def run(catalog_path: Path, sources: list[Path], out=sys.stdout) -> int:
    try:
        catalog = json.loads(catalog_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"String Catalog check: cannot read {catalog_path}: {exc}", file=out)
        return 1
    problems, keys = check_catalog(catalog)
    patterns = patterns_for(sources)
    uses = collect_uses(sources, patterns)
    use_problems, used = check_uses(uses, keys)
    problems += use_problems
    for path in swift_files(sources):
        problems += ternaries_in(path, shown_path(path), patterns)
    for key in sorted(keys - used):
        problems.append(f"{json.dumps(key, ensure_ascii=False)}: no view uses this key (remove it or use it)")
    if problems:
        print(f"String Catalog check FAILED for {catalog_path} ({len(problems)} problems):", file=out)
        for problem in problems:
            print(f"  - {problem}", file=out)
        return 1
    print(
        f"String Catalog check: {len(keys)} keys, each with {' and '.join(LANGUAGES)}; "
        f"{len(uses)} literals in the views, all in the catalog",
        file=out,
    )
    return 0


# ------------------------------------------------------------------- self-test


def _unit(value: str, state: str = "translated") -> dict:
    return {"stringUnit": {"state": state, "value": value}}


def self_test() -> int:
    """Feed the check a good and a bad catalog and assert what it reports."""
    import io

    good = {
        "sourceLanguage": "en",
        "version": "1.0",
        "strings": {
            "Log in": {"localizations": {"en": _unit("Log in"), "pt-BR": _unit("Entrar")}},
            "Hello, %@": {"localizations": {"en": _unit("Hello, %@"), "pt-BR": _unit("Olá, %@")}},
            "%lld POCs": {
                "localizations": {
                    "en": {"variations": {"plural": {"one": _unit("One POC"), "other": _unit("%lld POCs")}}},
                    "pt-BR": {"variations": {"plural": {"one": _unit("Uma POC"), "other": _unit("%lld POCs")}}},
                }
            },
            "%1$@ of %2$lld": {"localizations": {"en": _unit("%1$@ of %2$lld"), "pt-BR": _unit("%2$lld: %1$@")}},
        },
    }
    good_view = (
        'Text("Log in")\n'
        'Text("Hello, \\(person.name)")  // Text("Not a key") in a comment\n'
        '.accessibilityLabel("\\(count) POCs")\n'
        'Label("\\(title) of \\(total)", systemImage: "doc")\n'
        'Text(verbatim: "not localized")\n'
        'Image(systemName: "person")\n'
    )
    bad = json.loads(json.dumps(good))
    strings = bad["strings"]
    strings["Log in"]["localizations"].pop("pt-BR")  # missing language
    strings["Sign up"] = {"localizations": {"en": _unit("Sign up"), "pt-BR": _unit("  ")}}  # empty
    strings["Cancel"] = {"localizations": {"en": _unit("Cancel"), "pt-BR": _unit("Cancelar", "needs_review")}}
    strings["Hello, %@"]["localizations"]["pt-BR"] = _unit("Olá, %lld")  # specifier differs
    strings["Unused"] = {"localizations": {"en": _unit("Unused"), "pt-BR": _unit("Sem uso")}}
    bad_view = good_view + (
        'Button("Sign up") {}\nButton("Cancel") {}\n.navigationTitle("Not in catalog")\n'
        'Text(isNew ? "Log in" : "Sign up")\n'
        'Text(verbatim: name.isEmpty ? "…" : name)\nLabel(names[id] ?? "…", systemImage: "person")\n'
        'func header(_ title: LocalizedStringKey) -> some View { Text(title) }\nheader("Custom header")\n'
    )

    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "good.xcstrings").write_text(json.dumps(good), encoding="utf-8")
        (root / "bad.xcstrings").write_text(json.dumps(bad), encoding="utf-8")
        (root / "good").mkdir()
        (root / "bad").mkdir()
        (root / "good" / "V.swift").write_text(good_view, encoding="utf-8")
        (root / "bad" / "V.swift").write_text(bad_view, encoding="utf-8")

        out = io.StringIO()
        if run(root / "good.xcstrings", [root / "good"], out) != 0:
            failures.append("a good catalog was refused:\n" + out.getvalue())

        out = io.StringIO()
        status = run(root / "bad.xcstrings", [root / "bad"], out)
        report = out.getvalue()
        if status == 0:
            failures.append("a bad catalog passed")
        expected = [
            '"Log in": no pt-BR text',
            '"Sign up": pt-BR is empty',
            "\"Cancel\": pt-BR state is 'needs_review'",
            "\"Hello, %@\": pt-BR has format specifiers ['lld'], the key has ['@']",
            '"Not in catalog" is not a key of the catalog',
            '"Unused": no view uses this key',
            'V.swift:10: Text(… ? "…" : "…") shows a String unlocalized',
            '"Custom header" is not a key of the catalog',
        ]
        for needle in expected:
            if needle not in report:
                failures.append(f"the report lacks {needle!r}:\n{report}")
        if report.count("shows a String unlocalized") != 1:
            failures.append("verbatim text or ?? was taken for a ternary of literals:\n" + report)
        if "Not a key" in report:
            failures.append("a literal inside a comment was read as a use")

        out = io.StringIO()
        if run(root / "missing.xcstrings", [root / "good"], out) == 0:
            failures.append("a missing catalog passed")

    if specifiers("%1$@ is %2$lld%% done") != ["@", "lld"]:
        failures.append(f"specifiers() read {specifiers('%1$@ is %2$lld%% done')}")
    if failures:
        print("check_catalog self-test FAILED:")
        for failure in failures:
            print(f"  - {failure}")
        return 1
    print("check_catalog self-test: a good catalog passes, every planted problem is reported")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument("--sources", type=Path, nargs="+", default=list(DEFAULT_SOURCES))
    parser.add_argument("--self-test", action="store_true", help="check the checker on planted problems")
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    return run(args.catalog, [p for p in args.sources if p.exists()])


if __name__ == "__main__":
    sys.exit(main())
