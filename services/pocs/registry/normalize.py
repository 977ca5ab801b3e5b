"""Turning what people type into the values POCs store: languages, tags, URLs, links."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from pocdex_shared.errors import field_error
from vocabulary.catalog import UnknownTechnologyError, catalog, fold

from .models import RepositoryHost

TAG_MAX_LENGTH = 50
_TAG_SEPARATORS = re.compile(r"[\s_\-]+")
_TAG_DROPPED = re.compile(r"[^a-z0-9+#.\-]")
_HYPHENS = re.compile(r"-{2,}")

Errors = dict[str, list[dict[str, Any]]]


def tag_slug(raw: str) -> str:
    """``"  Autenticação  Biométrica "`` → ``"autenticacao-biometrica"``.

    Lower case, accents folded, runs of spaces, hyphens and underscores become
    one hyphen; characters other than letters, digits and ``+ # .`` are dropped
    (so ``c#`` and ``node.js`` survive as tags).
    """
    folded = _TAG_SEPARATORS.sub("-", fold(raw).strip())
    slug = _HYPHENS.sub("-", _TAG_DROPPED.sub("", folded)).strip("-.")
    return slug[:TAG_MAX_LENGTH].rstrip("-")


def tag_label(raw: str) -> str:
    return " ".join(raw.split())[:TAG_MAX_LENGTH]


@dataclass(frozen=True)
class TagValue:
    slug: str
    label: str


def normalize_tags(values: Iterable[str], errors: Errors) -> list[TagValue]:
    tags: dict[str, TagValue] = {}
    for index, raw in enumerate(values):
        slug = tag_slug(raw)
        if not slug:
            errors.setdefault(f"tags.{index}", []).append(
                field_error("invalid_tag", _("A tag needs at least one letter or digit."))
            )
            continue
        tags.setdefault(slug, TagValue(slug=slug, label=tag_label(raw)))
    return list(tags.values())


def normalize_languages(
    values: Sequence[str], errors: Errors, *, field: str = "languages"
) -> list[str]:
    """Vocabulary slugs in the order given (duplicates dropped); unknown values get suggestions."""
    vocabulary = catalog()
    slugs: list[str] = []
    for index, raw in enumerate(values):
        try:
            entry = vocabulary.resolve(raw)
        except UnknownTechnologyError as exc:
            error = field_error(
                "unknown_language",
                format_lazy(_("“{value}” is not a known language or framework."), value=raw),
            )
            error["suggestions"] = exc.suggestions
            errors.setdefault(f"{field}.{index}", []).append(error)
            continue
        if entry.slug not in slugs:
            slugs.append(entry.slug)
    return slugs


def _is_https(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname)


def https_error() -> dict[str, Any]:
    return field_error("https_required", _("Only https:// addresses are accepted."))


def repository_host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    for name, domain in (
        (RepositoryHost.GITHUB, "github.com"),
        (RepositoryHost.GITLAB, "gitlab.com"),
        (RepositoryHost.BITBUCKET, "bitbucket.org"),
    ):
        if host == domain:
            return str(name)
    # Self-hosted GitLab is usually gitlab.<company domain>.
    if host.startswith("gitlab."):
        return str(RepositoryHost.GITLAB)
    return str(RepositoryHost.OTHER)


def normalize_repository(url: str, errors: Errors) -> tuple[str, str]:
    url = url.strip()
    if not url:
        return "", ""
    if not _is_https(url):
        errors.setdefault("repository_url", []).append(https_error())
        return url, ""
    return url, repository_host(url)


def normalize_links(links: Sequence[dict[str, str]], errors: Errors) -> list[dict[str, str]]:
    cleaned = []
    for index, link in enumerate(links):
        url = link["url"].strip()
        if not _is_https(url):
            errors.setdefault(f"links.{index}.url", []).append(https_error())
            continue
        cleaned.append({"title": link.get("title", "").strip(), "url": url})
    return cleaned
