"""Organizations (the tenants, system of record), memberships and invitations."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin

from pocdex_shared.tenancy.models import AbstractTenant, TenantStatus


class Organization(AbstractTenant):
    name: models.CharField[str, str] = models.CharField(_("name"), max_length=120)
    locale: models.CharField[str, str] = models.CharField(
        _("locale"), max_length=8, default="pt-BR"
    )
    created_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(
        _("created"), auto_now_add=True
    )
    activated_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        _("activated"), null=True, blank=True
    )
    suspended_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        _("suspended"), null=True, blank=True
    )
    # Every member must have two-factor on to get tokens or a console session here
    # (``organizations.two_factor``).
    two_factor_required: models.BooleanField[bool, bool] = models.BooleanField(
        _("two-factor required for all members"), default=False
    )

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def is_suspended(self) -> bool:
        return self.status == TenantStatus.SUSPENDED


class Domain(DomainMixin):
    """``<slug>.<base domain>`` for the tenant-owner web pages."""


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    MEMBER = "member", _("Member")


class Membership(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_membership_per_org")
        ]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="membership_org_created")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organization_id} as {self.role}"


class ServiceProvision(models.Model):
    """A service reported it provisioned the organization (``tenant.provisioned``)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="provisions"
    )
    service = models.CharField(max_length=32)
    provisioned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "service"], name="one_provision_per_service"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} for {self.organization_id}"


class Invitation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [
            models.Index(fields=["organization", "created_at"], name="invitation_org_created")
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.organization_id}"
