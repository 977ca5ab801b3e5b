"""Push delivery through Amazon SNS mobile push, against moto's SNS server.

A ``moto_server`` process is started once per test session on a free port;
the platform applications (APNs sandbox and FCM) are created in it, and the
tests read back what SNS holds (endpoints, their attributes and the messages
published to them) through moto's ``/moto-api/data.json``.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from django.conf import settings
from rest_framework.test import APIClient

from config.celery import app as celery_app
from devices.models import Device
from identity.models import User
from notifications.push import (
    LogPushGateway,
    SnsPushGateway,
    deliver_to_device,
    media_ready_message,
    platform_of_application,
    push_gateway,
)
from organizations.models import Membership
from pocdex_shared.events.names import HANDLE_TASK
from pocdex_shared.testing.celery import drain
from pocdex_shared.testing.moto import moto_server
from pocdex_shared.testing.servers import free_port

from .conftest import ACCOUNTS_QUEUES, PASSWORD, auth

REGION = "us-east-1"
DEADLINE_SECONDS = 30.0


def _until(check: Callable[[], Any], *, what: str, deadline: float = DEADLINE_SECONDS) -> Any:
    """Poll ``check`` until it returns something truthy, or fail after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def sns_server() -> Iterator[str]:
    """moto's SNS server in its own process, on a free port, for the whole session."""
    with moto_server() as url:
        yield url


def _sns(url: str) -> Any:
    return boto3.session.Session().client("sns", region_name=REGION, endpoint_url=url)


@pytest.fixture(scope="session")
def platform_applications(sns_server: str) -> dict[str, str]:
    client = _sns(sns_server)
    ios = client.create_platform_application(
        Name="pocdex-ios",
        Platform="APNS_SANDBOX",
        Attributes={"PlatformCredential": "apns-key", "PlatformPrincipal": "apns-certificate"},
    )
    android = client.create_platform_application(
        Name="pocdex-android", Platform="GCM", Attributes={"PlatformCredential": "fcm-key"}
    )
    return {"apns": ios["PlatformApplicationArn"], "fcm": android["PlatformApplicationArn"]}


@pytest.fixture
def sns(settings: Any, sns_server: str, platform_applications: dict[str, str]) -> Any:
    """Accounts configured for SNS (the gateway is rebuilt from the settings); the SNS client."""
    settings.PUSH_GATEWAY = "sns"
    settings.PUSH_PLATFORM_APPLICATIONS = platform_applications
    settings.PUSH_SNS_ENDPOINT_URL = sns_server
    settings.PUSH_SNS_REGION = REGION
    assert isinstance(push_gateway(), SnsPushGateway)
    return _sns(sns_server)


def sns_endpoints(url: str) -> dict[str, dict[str, Any]]:
    """Every platform endpoint SNS was asked to create (deleted ones too), by ARN.

    moto lists each endpoint with its token, attributes and the messages
    published to it; whether one still exists is asked with the SNS API.
    """
    data = requests.get(f"{url}/moto-api/data.json", timeout=10).json()
    return {e["arn"]: e for e in data.get("sns", {}).get("PlatformEndpoint", [])}


def published(url: str, arn: str) -> list[dict[str, Any]]:
    """The messages published to the endpoint ``arn``, decoded (MessageStructure=json)."""
    endpoint = sns_endpoints(url).get(arn)
    return [json.loads(m) for m in (endpoint or {}).get("messages", {}).values()]


def fcm_token() -> str:
    return f"d{uuid.uuid4().hex[:10]}:APA91b{uuid.uuid4().hex}{uuid.uuid4().hex}"


def apns_token() -> str:
    return uuid.uuid4().hex + uuid.uuid4().hex


def _completed(org_id: str, user_id: str, **payload: Any) -> dict[str, Any]:
    job_id = str(uuid.uuid4())
    return {
        "id": str(uuid.uuid4()),
        "topic": "media.job.completed",
        "producer": "media",
        "tenant_id": org_id,
        "occurred_at": "2026-01-01T00:00:00+00:00",
        "payload": {
            "job_id": job_id,
            "kind": "video",
            "status": "succeeded",
            "tenant_id": org_id,
            "user_id": user_id,
            "scope": "me",
            "language": "pt-br",
            "params": {"year": 2025, "format": "vertical", "exclude": []},
            "automatic": False,
            "warnings": [],
            "error_code": "",
            "path": f"/api/v1/videos/{job_id}",
            **payload,
        },
    }


def _send(envelope: dict[str, Any]) -> None:
    celery_app.send_task(
        HANDLE_TASK, args=[envelope], queue="accounts.events", headers={"_schema_name": "public"}
    )


def register(access: str, **body: Any) -> dict[str, Any]:
    response = auth(APIClient(), access).post("/api/v1/devices", body, format="json")
    assert response.status_code == 201, response.content
    return dict(response.json())


def _member(org: dict[str, Any], *, locale: str) -> tuple[User, str]:
    slug = org["organization"]["slug"]
    user = User.objects.create_user(
        f"m-{uuid.uuid4().hex[:6]}-{slug}@example.com", PASSWORD, name="Mia", locale=locale
    )
    Membership.objects.create(organization_id=org["organization"]["id"], user=user)
    access = (
        APIClient()
        .post(
            "/api/v1/auth/token",
            {"organization": slug, "email": user.email, "password": PASSWORD},
            format="json",
        )
        .json()["access"]
    )
    return user, access


VIDEO_NOTICE = {
    "kind": "video",
    "job_id": "11111111-1111-1111-1111-111111111111",
    "path": "/api/v1/videos/11111111-1111-1111-1111-111111111111",
    "organization_id": "22222222-2222-2222-2222-222222222222",
    "organization_name": "Laboratório Ágil",
    "automatic": False,
    "year": 2025,
    "period_from": None,
    "period_to": None,
}


# ---------------------------------------------------------------- end to end


def test_a_finished_video_reaches_each_device_of_the_requester_once_in_its_language(
    worker, signup, sns, sns_server
):
    org = signup(locale="pt-BR", organization_name="Laboratório Ágil")
    owner = User.objects.get(email=org["email"])
    access = org["tokens"]["access"]
    iphone = register(access, platform="apns", token=apns_token())  # the person's pt-BR
    android = register(access, platform="fcm", token=fcm_token(), locale="en")
    _colleague, colleague_access = _member(org, locale="pt-BR")
    bystander = register(colleague_access, platform="fcm", token=fcm_token())

    envelope = _completed(org["organization"]["id"], str(owner.id))
    _send(envelope)
    _send(envelope)  # delivered twice: one push per device
    drain(settings.CELERY_BROKER_URL, queues=ACCOUNTS_QUEUES)

    devices = {d.id: d for d in Device.objects.filter(user=owner)}
    ios_arn = devices[uuid.UUID(iphone["id"])].endpoint_arn
    android_arn = devices[uuid.UUID(android["id"])].endpoint_arn
    assert ios_arn.startswith("arn:aws:sns:us-east-1:") and android_arn.startswith("arn:aws:sns:")
    held = sns_endpoints(sns_server)
    assert held[ios_arn]["token"] == devices[uuid.UUID(iphone["id"])].token
    assert "/APNS_SANDBOX/pocdex-ios/" in ios_arn and "/GCM/pocdex-android/" in android_arn

    ios_messages = _until(lambda: published(sns_server, ios_arn), what="the iPhone's push")
    android_messages = _until(lambda: published(sns_server, android_arn), what="the Android push")
    assert len(ios_messages) == 1 and len(android_messages) == 1

    apns = json.loads(ios_messages[0]["APNS_SANDBOX"])
    assert apns["aps"]["alert"] == {
        "title": "Sua retrospectiva de 2025 está pronta",
        "body": "O vídeo da retrospectiva de Laboratório Ágil está pronto para assistir.",
    }
    assert apns["path"] == envelope["payload"]["path"] and apns["kind"] == "video"
    assert apns["organization_id"] == org["organization"]["id"]
    assert ios_messages[0]["default"] == apns["aps"]["alert"]["body"]

    fcm = json.loads(android_messages[0]["GCM"])["fcmV1Message"]["message"]
    assert fcm["notification"] == {
        "title": "Your 2025 year in review is ready",
        "body": "The year-in-review video of Laboratório Ágil is ready to watch.",
    }
    assert fcm["data"]["job_id"] == envelope["payload"]["job_id"]
    assert all(isinstance(value, str) for value in fcm["data"].values())

    # The colleague's device in the same organization got nothing.
    assert Device.objects.get(id=bystander["id"]).endpoint_arn == ""


def test_a_monthly_report_in_english_and_nothing_for_someone_outside_the_organization(
    worker, signup, sns, sns_server
):
    org = signup(locale="en")
    user = User.objects.get(email=org["email"])
    phone = register(org["tokens"]["access"], platform="fcm", token=fcm_token())
    other = signup()
    stranger = User.objects.get(email=other["email"])
    stranger_phone = register(other["tokens"]["access"], platform="fcm", token=fcm_token())

    _send(_completed(org["organization"]["id"], str(stranger.id)))  # not a member of org
    report = {
        "kind": "report",
        "params": {"from": "2026-01-01", "to": "2026-01-31", "formats": ["pdf"]},
        "automatic": True,
    }
    _send(_completed(org["organization"]["id"], str(user.id), **report))
    drain(settings.CELERY_BROKER_URL, queues=ACCOUNTS_QUEUES)

    arn = _until(
        lambda: Device.objects.get(id=phone["id"]).endpoint_arn, what="the endpoint of the phone"
    )
    messages = _until(lambda: published(sns_server, arn), what="the report's push")
    fcm = json.loads(messages[0]["GCM"])["fcmV1Message"]["message"]
    assert fcm["notification"] == {
        "title": "Your POC report is ready",
        "body": "The monthly report of "
        f"{org['organization']['name']} (2026-01-01 to 2026-01-31) is ready.",
    }
    assert fcm["data"]["kind"] == "report"
    assert Device.objects.get(id=stranger_phone["id"]).endpoint_arn == ""


def test_removing_a_device_deletes_its_sns_endpoint(worker, signup, sns, sns_server):
    org = signup()
    device = register(org["tokens"]["access"], platform="apns", token=apns_token())
    assert deliver_to_device(device["id"], VIDEO_NOTICE) == "sent"
    arn = Device.objects.get(id=device["id"]).endpoint_arn
    assert arn in sns_endpoints(sns_server)

    response = auth(APIClient(), org["tokens"]["access"]).delete(f"/api/v1/devices/{device['id']}")
    assert response.status_code == 204
    drain(settings.CELERY_BROKER_URL, queues=ACCOUNTS_QUEUES)

    def deleted() -> bool:
        try:
            sns.get_endpoint_attributes(EndpointArn=arn)
        except ClientError as exc:
            return bool(exc.response["Error"]["Code"] == "NotFound")
        return False

    _until(deleted, what="the endpoint to be deleted")


# ---------------------------------------------------------------- one device


@pytest.mark.django_db
def test_a_disabled_endpoint_makes_the_device_inactive_until_the_app_registers_it_again(
    signup, sns, sns_server
):
    org = signup()
    client = auth(APIClient(), org["tokens"]["access"])
    token = fcm_token()
    device = register(org["tokens"]["access"], platform="fcm", token=token)
    assert deliver_to_device(device["id"], VIDEO_NOTICE) == "sent"
    arn = Device.objects.get(id=device["id"]).endpoint_arn
    assert len(published(sns_server, arn)) == 1

    # FCM told SNS the token is no longer valid: SNS disables the endpoint.
    sns.set_endpoint_attributes(EndpointArn=arn, Attributes={"Enabled": "false"})
    assert deliver_to_device(device["id"], VIDEO_NOTICE) == "disabled"
    stored = Device.objects.get(id=device["id"])
    assert not stored.active and stored.deactivated_at is not None
    assert client.get("/api/v1/devices").json()["results"] == []
    assert deliver_to_device(device["id"], VIDEO_NOTICE) == "gone"  # nothing more is tried
    assert len(published(sns_server, arn)) == 1

    # The app registers the token again (after the OS handed it out anew).
    again = client.post("/api/v1/devices", {"platform": "fcm", "token": token}, format="json")
    assert again.status_code == 200 and again.json()["id"] == device["id"]
    assert deliver_to_device(device["id"], VIDEO_NOTICE) == "sent"
    assert Device.objects.get(id=device["id"]).endpoint_arn == arn  # the same endpoint, enabled
    assert sns.get_endpoint_attributes(EndpointArn=arn)["Attributes"]["Enabled"] == "true"
    assert len(published(sns_server, arn)) == 2


@pytest.mark.django_db
def test_an_endpoint_deleted_behind_our_back_is_created_again(signup, sns, sns_server):
    org = signup()
    device = register(org["tokens"]["access"], platform="apns", token=apns_token())
    assert deliver_to_device(device["id"], VIDEO_NOTICE) == "sent"
    old = Device.objects.get(id=device["id"]).endpoint_arn
    sns.delete_endpoint(EndpointArn=old)

    assert deliver_to_device(device["id"], VIDEO_NOTICE) == "sent"
    new = Device.objects.get(id=device["id"]).endpoint_arn
    assert new != old and len(published(sns_server, new)) == 1


@pytest.mark.django_db
def test_a_token_sns_refuses_deactivates_the_device(signup, sns):
    """SNS refuses the token itself: the device stops being tried (InvalidParameter)."""

    class Refusing:
        def create_platform_endpoint(self, **kwargs: Any) -> Any:
            raise ClientError(
                {"Error": {"Code": "InvalidParameter", "Message": "Invalid parameter: Token"}},
                "CreatePlatformEndpoint",
            )

    org = signup()
    device = register(org["tokens"]["access"], platform="fcm", token=fcm_token())
    gateway = SnsPushGateway(
        applications=settings.PUSH_PLATFORM_APPLICATIONS, region=REGION, client=Refusing()
    )
    assert deliver_to_device(device["id"], VIDEO_NOTICE, gateway=gateway) == "disabled"
    assert not Device.objects.get(id=device["id"]).active


@pytest.mark.django_db
def test_sns_out_of_reach_is_a_retryable_error_and_the_device_stays(signup, settings):
    from notifications.push import PushUnavailableError

    settings.PUSH_GATEWAY = "sns"
    settings.PUSH_PLATFORM_APPLICATIONS = {
        "apns": "arn:aws:sns:us-east-1:123456789012:app/APNS/pocdex-ios",
        "fcm": "arn:aws:sns:us-east-1:123456789012:app/GCM/pocdex-android",
    }
    settings.PUSH_SNS_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens
    org = signup()
    device = register(org["tokens"]["access"], platform="fcm", token=fcm_token())
    with pytest.raises(PushUnavailableError):
        deliver_to_device(device["id"], VIDEO_NOTICE)
    assert Device.objects.get(id=device["id"]).active


# ---------------------------------------------------------------- pieces


@pytest.mark.django_db
def test_the_local_default_only_logs_the_notice(signup, caplog):
    assert settings.PUSH_GATEWAY == "log"
    assert isinstance(push_gateway(), LogPushGateway)
    org = signup(locale="pt-BR")
    device = register(org["tokens"]["access"], platform="apns", token=apns_token())
    with caplog.at_level(logging.INFO, logger="notifications.push"):
        assert deliver_to_device(device["id"], VIDEO_NOTICE) == "sent"
    logged = [r for r in caplog.records if r.getMessage() == "push notification (log only)"]
    assert len(logged) == 1
    assert logged[0].push_title == "Sua retrospectiva de 2025 está pronta"  # type: ignore[attr-defined]
    assert Device.objects.get(id=device["id"]).endpoint_arn.startswith("log:apns:")


def test_messages_in_both_languages():
    report = {
        **VIDEO_NOTICE,
        "kind": "report",
        "period_from": "2026-01-01",
        "period_to": "2026-03-31",
    }
    pt = media_ready_message(report, locale="pt-BR")
    assert pt.title == "Seu relatório de POCs está pronto"
    assert (
        pt.body == "O relatório de POCs de Laboratório Ágil (2026-01-01 a 2026-03-31) está pronto."
    )
    en = media_ready_message({**report, "automatic": True}, locale="en")
    assert en.body == "The monthly report of Laboratório Ágil (2026-01-01 to 2026-03-31) is ready."
    no_year = media_ready_message({**VIDEO_NOTICE, "year": None}, locale="en")
    assert no_year.title == "Your year in review is ready"
    assert pt.data == {
        "type": "media.ready",
        "kind": "report",
        "job_id": VIDEO_NOTICE["job_id"],
        "path": VIDEO_NOTICE["path"],
        "organization_id": VIDEO_NOTICE["organization_id"],
    }


def test_the_apns_message_key_follows_the_platform_application():
    assert platform_of_application("arn:aws:sns:sa-east-1:123456789012:app/APNS/ios") == "APNS"
    assert (
        platform_of_application("arn:aws:sns:us-east-1:123456789012:app/APNS_SANDBOX/ios")
        == "APNS_SANDBOX"
    )
    assert platform_of_application("arn:aws:sns:us-east-1:123456789012:app/GCM/android") == "GCM"
    with pytest.raises(ValueError):
        platform_of_application("arn:aws:sns:us-east-1:123456789012:my-topic")


@pytest.mark.django_db
def test_an_endpoint_of_the_log_gateway_is_replaced_once_sns_is_configured(signup, sns, sns_server):
    org = signup()
    device = register(org["tokens"]["access"], platform="fcm", token=fcm_token())
    Device.objects.filter(id=device["id"]).update(endpoint_arn="log:fcm:0123")
    assert deliver_to_device(device["id"], VIDEO_NOTICE) == "sent"
    arn = Device.objects.get(id=device["id"]).endpoint_arn
    assert arn.startswith("arn:aws:sns:") and len(published(sns_server, arn)) == 1
    assert Device.objects.get(id=device["id"]).active
