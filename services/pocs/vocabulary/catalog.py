"""Resolving what people type ("JS", "golang", "Node JS", "c#") to vocabulary entries.

Matching is case-, accent- and separator-insensitive: a value, a name, a slug
and each alias are reduced to the same lookup key. The vocabulary is small and
changes only with migrations, so it is held in memory for a minute per process.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from pocdex_shared.memo import TtlCache

from .models import Technology

_SEPARATORS = frozenset(" \t\n\r-_./")
_CACHE_SECONDS = 60.0
_cache: TtlCache[str, Catalog] = TtlCache(max_entries=1)


def fold(value: str) -> str:
    """Lower case without accents: "Autenticação" → "autenticacao"."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def lookup_key(value: str) -> str:
    """The key a raw value is matched by: folded, separators removed ("Node.js" → "nodejs")."""
    return "".join(c for c in fold(value) if c not in _SEPARATORS and not c.isspace())


@dataclass(frozen=True)
class Entry:
    slug: str
    name: str
    kind: str


class UnknownTechnologyError(ValueError):
    def __init__(self, value: str, suggestions: list[str]) -> None:
        super().__init__(value)
        self.value = value
        self.suggestions = suggestions


class Catalog:
    def __init__(self, rows: Iterable[Technology]) -> None:
        self.entries: dict[str, Entry] = {}
        self.by_key: dict[str, Entry] = {}
        for row in rows:
            entry = Entry(slug=row.slug, name=row.name, kind=row.kind)
            self.entries[entry.slug] = entry
            for spelling in (row.slug, row.name, *row.aliases):
                self.by_key.setdefault(lookup_key(spelling), entry)

    def get(self, slug: str) -> Entry | None:
        return self.entries.get(slug)

    def resolve(self, raw: str) -> Entry:
        """The entry ``raw`` names, or ``UnknownTechnologyError`` with up to 3 suggestions."""
        key = lookup_key(raw)
        entry = self.by_key.get(key)
        if entry is not None:
            return entry
        close = difflib.get_close_matches(key, list(self.by_key), n=10, cutoff=0.6)
        suggestions: list[str] = []
        for match in close:
            name = self.by_key[match].name
            if name not in suggestions:
                suggestions.append(name)
        raise UnknownTechnologyError(raw, suggestions[:3])

    def matches_prefix(self, entry: Entry, prefix: str) -> bool:
        """For pickers: does the name, slug or an alias start with ``prefix``?"""
        key = lookup_key(prefix)
        return any(k.startswith(key) for k, e in self.by_key.items() if e is entry)


def catalog() -> Catalog:
    current = _cache.get("catalog")
    if current is None:
        current = Catalog(Technology.objects.all())
        _cache.put("catalog", current, _CACHE_SECONDS)
    return current


def forget_catalog() -> None:
    _cache.forget()
