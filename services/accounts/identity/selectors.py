"""Reads about people."""

from __future__ import annotations

import uuid

from .models import User, normalize_email


def user_by_email(email: str) -> User | None:
    return User.objects.filter(email=normalize_email(email)).first()


def user_for_update(*, user_id: uuid.UUID | str) -> User:
    """The person re-read from the database, for a write (cached rows are shared)."""
    return User.objects.get(pk=user_id)
