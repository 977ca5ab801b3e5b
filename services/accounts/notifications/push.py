"""Push notifications to phones: "your report/video is ready", through Amazon SNS mobile push.

Media publishes ``media.job.completed``; the handler in ``media_events`` mails
the requester and, through ``queue_media_ready_push``, queues one delivery per
active device the requester registered in that organization (``devices``).
The queueing happens in the consumer's transaction, after the event id is
recorded, so a redelivered event queues nothing (ADR 0033).

A delivery renders the notice in the device's language, makes sure the device
has an SNS platform endpoint (created for its token on first use, its ARN
stored on the device), and publishes one message with a payload per platform.
SNS answering that the endpoint is disabled (APNs or FCM said the token is no
longer valid) makes the device inactive; the app registering the token again
makes it active and re-enables the endpoint.

``PUSH_GATEWAY`` chooses the gateway: ``sns`` (production; the platform
applications' ARNs are required, see ``config/settings.py``) or ``log``
(the local default: the notice is written to the log, nothing leaves the
machine).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------ errors


class PushError(Exception):
    """A delivery that did not happen."""


class EndpointDisabledError(PushError):
    """SNS disabled the endpoint: the platform said the token is no longer valid."""


class EndpointNotFoundError(PushError):
    """The endpoint was deleted (the device was removed meanwhile): create it again."""


class TokenRejectedError(PushError):
    """SNS refused the device token itself (malformed for its platform)."""


class PushUnavailableError(PushError):
    """SNS could not be reached or asked us to slow down: try again later."""


# ----------------------------------------------------------------- message


@dataclass(frozen=True)
class PushMessage:
    """What the phone shows, and the data the app opens it with (strings only)."""

    title: str
    body: str
    data: dict[str, str]


def _language(locale: str) -> str:
    return "pt-br" if locale.lower().startswith("pt") else "en"


def media_ready_message(notice: dict[str, Any], *, locale: str) -> PushMessage:
    """The notice of a finished report or year video, in ``locale`` (pt-BR or en)."""
    organization = str(notice.get("organization_name") or "")
    with translation.override(_language(locale)):
        if notice["kind"] == "video":
            year = notice.get("year")
            title = (
                _("Your %(year)s year in review is ready") % {"year": year}
                if year
                else _("Your year in review is ready")
            )
            body = _("The year-in-review video of %(organization)s is ready to watch.") % {
                "organization": organization
            }
        else:
            title = _("Your POC report is ready")
            period = {
                "organization": organization,
                "start": notice.get("period_from") or "",
                "end": notice.get("period_to") or "",
            }
            body = (
                _("The monthly report of %(organization)s (%(start)s to %(end)s) is ready.")
                if notice.get("automatic")
                else _("The POC report of %(organization)s (%(start)s to %(end)s) is ready.")
            ) % period
    data = {
        "type": "media.ready",
        "kind": str(notice["kind"]),
        "job_id": str(notice.get("job_id") or ""),
        "path": str(notice.get("path") or ""),
        "organization_id": str(notice.get("organization_id") or ""),
    }
    return PushMessage(title=title, body=body, data=data)


def apns_payload(message: PushMessage) -> dict[str, Any]:
    """APNs: the alert under ``aps``, the app's data beside it."""
    return {
        "aps": {"alert": {"title": message.title, "body": message.body}, "sound": "default"},
        **message.data,
    }


def fcm_payload(message: PushMessage) -> dict[str, Any]:
    """FCM HTTP v1, as SNS takes it under the ``GCM`` key."""
    return {
        "fcmV1Message": {
            "message": {
                "notification": {"title": message.title, "body": message.body},
                "data": dict(message.data),
                "android": {"priority": "high"},
            }
        }
    }


def sns_message(message: PushMessage, *, message_key: str) -> str:
    """The ``MessageStructure=json`` body: a default text and the platform's payload.

    ``message_key`` is the platform application's platform: ``APNS``,
    ``APNS_SANDBOX`` or ``GCM``.
    """
    payload = fcm_payload(message) if message_key == "GCM" else apns_payload(message)
    return json.dumps(
        {"default": message.body, message_key: json.dumps(payload, ensure_ascii=False)},
        ensure_ascii=False,
    )


# ----------------------------------------------------------------- gateways


class PushGateway(Protocol):
    """Where deliveries go. ``platform`` is a device platform: ``apns`` or ``fcm``."""

    def register(self, *, platform: str, token: str) -> str:
        """The endpoint for ``token`` (created, or found and enabled again)."""

    def send(self, *, platform: str, endpoint: str, message: PushMessage) -> str:
        """Publish ``message`` to ``endpoint``; returns the message id."""

    def forget(self, *, endpoint: str) -> None:
        """Delete ``endpoint`` (idempotent)."""

    def owns(self, endpoint: str) -> bool:
        """Whether ``endpoint`` was made by a gateway of this kind (else it is made anew)."""


# "Invalid parameter: Token Reason: Endpoint <arn> already exists with the same
# Token, but different attributes." (AWS's wording, and moto's.)
_EXISTING_ENDPOINT = re.compile(r"Endpoint (arn:[^\s]+) already exists")
_TRANSIENT_CODES = frozenset(
    {"Throttling", "ThrottlingException", "InternalError", "InternalFailure", "ServiceUnavailable"}
)


def platform_of_application(arn: str) -> str:
    """``APNS``, ``APNS_SANDBOX`` or ``GCM`` from ``arn:aws:sns:<region>:<account>:app/<platform>/<name>``."""
    parts = arn.split(":", 5)
    resource = parts[5] if len(parts) == 6 else ""
    kind, _slash, rest = resource.partition("/")
    platform = rest.split("/", 1)[0]
    if kind != "app" or not platform:
        raise ValueError(f"not an SNS platform application ARN: {arn!r}")
    return platform


class SnsPushGateway:
    """Amazon SNS mobile push: one platform application per platform, one endpoint per device."""

    def __init__(
        self,
        *,
        applications: dict[str, str],
        region: str,
        endpoint_url: str | None = None,
        client: Any = None,
    ) -> None:
        self.applications = dict(applications)
        self.message_keys = {p: platform_of_application(a) for p, a in self.applications.items()}
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.session.Session().client(
                "sns",
                region_name=region,
                endpoint_url=endpoint_url,
                config=Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 3}),
            )
        self.client = client

    def _application(self, platform: str) -> str:
        try:
            return self.applications[platform]
        except KeyError:
            raise TokenRejectedError(f"no platform application for {platform!r}") from None

    def register(self, *, platform: str, token: str) -> str:
        application = self._application(platform)
        try:
            answer = self.client.create_platform_endpoint(
                PlatformApplicationArn=application, Token=token
            )
            return str(answer["EndpointArn"])
        except Exception as exc:
            code, text = _error(exc)
            existing = _EXISTING_ENDPOINT.search(text) if code == "InvalidParameter" else None
            if existing is None:
                raise _classify(exc, refuses_token=True) from exc
        # The token has an endpoint already, with other attributes (typically
        # disabled by SNS after the platform refused it once): take it back.
        arn = existing.group(1)
        try:
            self.client.set_endpoint_attributes(
                EndpointArn=arn, Attributes={"Token": token, "Enabled": "true"}
            )
        except Exception as exc:
            raise _classify(exc) from exc
        return arn

    def send(self, *, platform: str, endpoint: str, message: PushMessage) -> str:
        key = self.message_keys.get(platform)
        if key is None:
            raise TokenRejectedError(f"no platform application for {platform!r}")
        try:
            answer = self.client.publish(
                TargetArn=endpoint,
                Message=sns_message(message, message_key=key),
                MessageStructure="json",
            )
        except Exception as exc:
            raise _classify(exc) from exc
        return str(answer["MessageId"])

    def owns(self, endpoint: str) -> bool:
        return endpoint.startswith("arn:") and ":endpoint/" in endpoint

    def forget(self, *, endpoint: str) -> None:
        if not self.owns(endpoint):
            return
        try:
            self.client.delete_endpoint(EndpointArn=endpoint)
        except Exception as exc:
            error = _classify(exc)
            if not isinstance(error, EndpointNotFoundError):
                raise error from exc


def _error(exc: Exception) -> tuple[str, str]:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        return str(error.get("Code") or ""), str(error.get("Message") or "")
    return "", str(exc)


def _classify(exc: Exception, *, refuses_token: bool = False) -> PushError:
    """The push error for what boto3 raised.

    ``refuses_token``: the call was the endpoint's creation, where
    ``InvalidParameter`` means SNS refused the device token itself.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, PushError):
        return exc
    if isinstance(exc, ClientError):
        code, text = _error(exc)
        if code == "EndpointDisabled":
            return EndpointDisabledError(text)
        if code in {"NotFound", "NotFoundException"}:
            return EndpointNotFoundError(text)
        if (
            code in _TRANSIENT_CODES
            or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
        ):
            return PushUnavailableError(f"{code}: {text}")
        if code == "InvalidParameter" and refuses_token:
            return TokenRejectedError(text)
        return PushError(f"{code}: {text}")
    if isinstance(exc, BotoCoreError | OSError):  # connection refused, timeouts, DNS
        return PushUnavailableError(str(exc))
    return PushError(str(exc))


class LogPushGateway:
    """Local default: every delivery is a log line; nothing leaves the machine."""

    def register(self, *, platform: str, token: str) -> str:
        return f"log:{platform}:{uuid.uuid5(uuid.NAMESPACE_URL, token).hex}"

    def send(self, *, platform: str, endpoint: str, message: PushMessage) -> str:
        message_id = uuid.uuid4().hex
        logger.info(
            "push notification (log only)",
            extra={
                "push_endpoint": endpoint,
                "push_platform": platform,
                "push_title": message.title,
                "push_body": message.body,
                "push_data": message.data,
            },
        )
        return message_id

    def forget(self, *, endpoint: str) -> None:
        return None

    def owns(self, endpoint: str) -> bool:
        return endpoint.startswith("log:")


@lru_cache(maxsize=1)
def push_gateway() -> PushGateway:
    """The configured gateway (``PUSH_GATEWAY``), built once per process."""
    if settings.PUSH_GATEWAY == "sns":
        return SnsPushGateway(
            applications=dict(settings.PUSH_PLATFORM_APPLICATIONS),
            region=settings.PUSH_SNS_REGION,
            endpoint_url=settings.PUSH_SNS_ENDPOINT_URL,
        )
    return LogPushGateway()


@receiver(setting_changed, dispatch_uid="accounts_push_gateway_settings")
def _push_settings_changed(setting: str, **kwargs: Any) -> None:
    if setting.startswith("PUSH_"):
        push_gateway.cache_clear()


# ----------------------------------------------------------------- delivery


def queue_media_ready_push(*, organization_id: Any, user_id: Any, notice: dict[str, Any]) -> int:
    """Queue one delivery per active device of the person in the organization, after commit.

    Called inside the event consumer's transaction: a redelivered event never
    gets here again, so it queues nothing. Returns how many were queued.
    """
    from devices.selectors import push_targets

    from .tasks import push_to_device_task

    device_ids = [str(device_id) for device_id in push_targets(organization_id, user_id)]
    for device_id in device_ids:
        transaction.on_commit(
            lambda device_id=device_id: push_to_device_task.delay(device_id, notice)  # type: ignore[misc]
        )
    return len(device_ids)


def deliver_to_device(
    device_id: str, notice: dict[str, Any], *, gateway: PushGateway | None = None
) -> str:
    """Render and send one notice to one device. Returns what happened (for logs and tests).

    ``sent``; ``gone`` (the device was removed or deactivated since);
    ``disabled`` (SNS disabled the endpoint or refused the token: the device
    is now inactive). ``PushUnavailableError`` propagates so the task retries.
    """
    from devices.models import Device

    device = Device.objects.filter(id=device_id, active=True).first()
    if device is None:
        return "gone"
    gateway = gateway or push_gateway()
    message = media_ready_message(notice, locale=device.locale)
    for _attempt in range(2):
        try:
            if not device.endpoint_arn or not gateway.owns(device.endpoint_arn):
                device.endpoint_arn = gateway.register(platform=device.platform, token=device.token)
                Device.objects.filter(id=device.id, token=device.token).update(
                    endpoint_arn=device.endpoint_arn
                )
            message_id = gateway.send(
                platform=device.platform, endpoint=device.endpoint_arn, message=message
            )
        except EndpointNotFoundError:
            # Deleted meanwhile (a removal's clean-up racing a new registration).
            device.endpoint_arn = ""
            continue
        except (EndpointDisabledError, TokenRejectedError) as exc:
            Device.objects.filter(id=device.id, token=device.token).update(
                active=False, deactivated_at=timezone.now()
            )
            logger.info(
                "push device deactivated",
                extra={"device_id": str(device.id), "reason": type(exc).__name__},
            )
            return "disabled"
        logger.info(
            "push notification sent", extra={"device_id": str(device.id), "message_id": message_id}
        )
        return "sent"
    raise PushUnavailableError("the endpoint kept disappearing")


def forget_endpoint(endpoint: str, *, gateway: PushGateway | None = None) -> None:
    """Delete the SNS endpoint of a device that was removed (best effort, retried)."""
    if endpoint:
        (gateway or push_gateway()).forget(endpoint=endpoint)
