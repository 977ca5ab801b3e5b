"""The curated languages, frameworks and platforms POCs are tagged with (public schema)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    LANGUAGE = "language", _("Language")
    FRAMEWORK = "framework", _("Framework")
    PLATFORM = "platform", _("Platform")


class Technology(models.Model):
    """One vocabulary entry. ``slug`` is the stable id POCs store; ``aliases`` are lookup keys.

    Entries are added by data migrations, so every organization shares the same
    vocabulary and search can treat them as keywords.
    """

    slug: models.SlugField[str, str] = models.SlugField(max_length=40, primary_key=True)
    name: models.CharField[str, str] = models.CharField(_("name"), max_length=60, unique=True)
    kind: models.CharField[str, str] = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices
    )
    # Other spellings people type ("js", "c#", "k8s"); matched like names (see ``catalog``).
    aliases = ArrayField(models.CharField(max_length=40), default=list, blank=True)

    class Meta:
        verbose_name = _("technology")
        verbose_name_plural = _("technologies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
