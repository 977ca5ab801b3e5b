"""Signing keys (published as a JWKS) and refresh-token families."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class SigningKey(models.Model):
    """An RS256 key pair. Only the newest active key signs; every unexpired key is published.

    A rotated key keeps being published until ``retire_after`` (the longest
    access token it signed has expired), so rotation never breaks a session.
    """

    kid = models.CharField(max_length=64, primary_key=True)
    private_pem = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    signing = models.BooleanField(default=True)
    retire_after = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.kid


class RefreshFamily(models.Model):
    """All refresh tokens descending from one login; revoked as a whole."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    absolute_expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=32, blank=True, default="")

    def __str__(self) -> str:
        return str(self.id)


class RefreshToken(models.Model):
    """One opaque refresh token, stored as its SHA-256; valid until used once."""

    token_hash = models.CharField(max_length=64, unique=True)
    family = models.ForeignKey(RefreshFamily, on_delete=models.CASCADE, related_name="tokens")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token of family {self.family_id}"
