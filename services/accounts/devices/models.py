"""Phones registered for push notifications, per person and organization (public schema).

A device token names one app install; it is stored once (``platform`` +
``token`` unique): the session that registered it last owns it, so a phone
handed from one person (or organization) to another stops receiving the
first one's notices. ``endpoint_arn`` is the Amazon SNS platform endpoint
created for the token at its first delivery.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.models import Locale
from organizations.models import Organization

TOKEN_SUFFIX_LENGTH = 6


class Platform(models.TextChoices):
    APNS = "apns", _("Apple Push Notification service (iOS)")
    FCM = "fcm", _("Firebase Cloud Messaging (Android)")


class Device(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="devices")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices"
    )
    platform: models.CharField[str, str] = models.CharField(
        _("platform"), max_length=8, choices=Platform.choices
    )
    token: models.CharField[str, str] = models.CharField(_("device token"), max_length=1024)
    locale: models.CharField[str, str] = models.CharField(
        _("locale"), max_length=8, choices=Locale.choices, default=Locale.PT_BR
    )
    app_version: models.CharField[str, str] = models.CharField(
        _("app version"), max_length=32, blank=True, default=""
    )
    endpoint_arn: models.CharField[str, str] = models.CharField(
        _("SNS endpoint"), max_length=512, blank=True, default=""
    )
    active: models.BooleanField[bool, bool] = models.BooleanField(_("active"), default=True)
    created_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(
        _("registered"), auto_now_add=True
    )
    last_seen_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(
        _("last seen"), default=timezone.now
    )
    deactivated_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        _("deactivated"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("push device")
        verbose_name_plural = _("push devices")
        constraints = [
            models.UniqueConstraint(fields=["platform", "token"], name="one_device_per_token")
        ]
        indexes = [
            models.Index(
                fields=["organization", "user", "created_at"], name="device_member_created"
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform} …{self.token_suffix}"

    @property
    def token_suffix(self) -> str:
        return self.token[-TOKEN_SUFFIX_LENGTH:]
