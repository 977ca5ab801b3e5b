"""Registering and removing push devices (writes)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Membership
from pocdex_shared.errors import not_found

from .models import Device

#: A person keeps at most this many devices per organization: registering one
#: more forgets the ones seen least recently (a reinstalled app gets a new token
#: and rarely says goodbye to the old one).
MAX_DEVICES_PER_MEMBER = 10


@dataclass(frozen=True)
class Registration:
    device: Device
    created: bool


def device_register(
    *,
    membership: Membership,
    platform: str,
    token: str,
    locale: str | None = None,
    app_version: str | None = None,
) -> Registration:
    """Register ``token`` for the caller (idempotent).

    The same person registering the same token in the same organization gets
    the same device back, seen now, active again, with the new locale and app
    version when given. A token another session registered before (another
    person, or the same person in another organization) moves to the caller:
    a phone receives the notices of whoever is logged in on it. Beyond
    ``MAX_DEVICES_PER_MEMBER`` the devices seen least recently are forgotten.
    """
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return _register(
                    membership=membership,
                    platform=platform,
                    token=token,
                    locale=locale,
                    app_version=app_version,
                )
        except IntegrityError:
            # Two first registrations of one token at once: the other one won; read it.
            continue
    raise RuntimeError("device registration kept conflicting")  # pragma: no cover


def _register(
    *,
    membership: Membership,
    platform: str,
    token: str,
    locale: str | None,
    app_version: str | None,
) -> Registration:
    existing = Device.objects.select_for_update().filter(platform=platform, token=token).first()
    if (
        existing is not None
        and existing.organization_id == membership.organization_id
        and existing.user_id == membership.user_id
    ):
        existing.last_seen_at = timezone.now()
        if locale:
            existing.locale = locale
        if app_version is not None:
            existing.app_version = app_version
        if not existing.active:
            # The app says the token works again: its SNS endpoint is enabled
            # again at the next delivery (register finds and re-enables it).
            existing.active = True
            existing.deactivated_at = None
            existing.endpoint_arn = ""
        existing.save()
        return Registration(device=existing, created=False)
    endpoint_arn = ""
    if existing is not None:
        # Same token, same SNS endpoint: it now delivers to the caller.
        endpoint_arn = existing.endpoint_arn if existing.active else ""
        existing.delete()
    device = Device.objects.create(
        organization_id=membership.organization_id,
        user_id=membership.user_id,
        platform=platform,
        token=token,
        locale=locale or membership.user.locale,
        app_version=app_version or "",
        endpoint_arn=endpoint_arn,
    )
    stale = list(
        Device.objects.filter(
            organization_id=membership.organization_id, user_id=membership.user_id
        ).order_by("-last_seen_at", "-created_at")[MAX_DEVICES_PER_MEMBER:]
    )
    if stale:
        Device.objects.filter(id__in=[d.id for d in stale]).delete()
        _forget_after_commit([d.endpoint_arn for d in stale])
    return Registration(device=device, created=True)


def device_remove(*, membership: Membership, device_id: uuid.UUID) -> None:
    """Remove one of the caller's devices; anyone else's is not found."""
    with transaction.atomic():
        device = (
            Device.objects.select_for_update()
            .filter(
                id=device_id,
                organization_id=membership.organization_id,
                user_id=membership.user_id,
            )
            .first()
        )
        if device is None:
            raise not_found("not_found", _("No such device."))
        device.delete()
        _forget_after_commit([device.endpoint_arn])


def _forget_after_commit(endpoints: list[str]) -> None:
    from notifications.tasks import forget_push_endpoint_task

    for endpoint in endpoints:
        if endpoint:
            transaction.on_commit(
                lambda endpoint=endpoint: forget_push_endpoint_task.delay(endpoint)  # type: ignore[misc]
            )


@receiver(post_delete, sender=Membership, dispatch_uid="accounts_devices_of_removed_member")
def _membership_removed(sender: Any, instance: Membership, **kwargs: Any) -> None:
    """Someone who leaves an organization (or is removed) gets no more of its notices."""
    devices = Device.objects.filter(
        organization_id=instance.organization_id, user_id=instance.user_id
    )
    endpoints = [arn for arn in devices.values_list("endpoint_arn", flat=True) if arn]
    devices.delete()
    _forget_after_commit(endpoints)
