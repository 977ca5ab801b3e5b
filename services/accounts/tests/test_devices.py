"""/api/v1/devices: a person's phones for push notifications, per organization."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.admin.sites import site as admin_site
from rest_framework.test import APIClient

from devices.models import Device
from identity.models import User
from organizations.models import Membership

from .conftest import PASSWORD, auth

APNS_TOKEN = "a1b2c3d4e5f6" * 5 + "0f0f"  # 64 hex characters


def fcm_token() -> str:
    return f"d{uuid.uuid4().hex[:10]}:APA91b{uuid.uuid4().hex}{uuid.uuid4().hex}-_x"


def apns_token() -> str:
    return (uuid.uuid4().hex + uuid.uuid4().hex).upper()


def error(response) -> dict:  # type: ignore[no-untyped-def]
    return dict(response.json()["error"])


@pytest.fixture
def team(signup):  # type: ignore[no-untyped-def]
    """An organization with its owner and a member, each with a token; and another organization."""
    org = signup(locale="pt-BR")
    slug = org["organization"]["slug"]
    member = User.objects.create_user(f"bia-{slug}@example.com", PASSWORD, name="Bia", locale="en")
    Membership.objects.create(organization_id=org["organization"]["id"], user=member)
    member_access = (
        APIClient()
        .post(
            "/api/v1/auth/token",
            {"organization": slug, "email": member.email, "password": PASSWORD},
            format="json",
        )
        .json()["access"]
    )
    return {
        "org": org,
        "owner": auth(APIClient(), org["tokens"]["access"]),
        "member": auth(APIClient(), member_access),
        "member_user": member,
    }


def register(client: APIClient, **body: object):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/devices", body, format="json")


@pytest.mark.django_db
def test_register_list_and_delete_a_device(team):
    token = fcm_token()
    created = register(team["owner"], platform="fcm", token=token, app_version="1.0.0")
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {"id", "platform", "token_suffix", "locale", "created_at", "last_seen_at"}
    assert body["platform"] == "fcm" and body["token_suffix"] == token[-6:]
    assert body["locale"] == "pt-BR"  # the person's language when the app sends none
    device = Device.objects.get(id=body["id"])
    assert device.token == token and device.app_version == "1.0.0" and device.active
    assert str(device.organization_id) == team["org"]["organization"]["id"]
    assert device.user.email == team["org"]["email"]

    listed = team["owner"].get("/api/v1/devices")
    assert listed.status_code == 200
    assert [d["id"] for d in listed.json()["results"]] == [body["id"]]
    assert listed.json()["next"] is None

    deleted = team["owner"].delete(f"/api/v1/devices/{body['id']}")
    assert deleted.status_code == 204
    assert not Device.objects.filter(id=body["id"]).exists()
    assert team["owner"].get("/api/v1/devices").json()["results"] == []
    again = team["owner"].delete(f"/api/v1/devices/{body['id']}")
    assert again.status_code == 404 and error(again)["code"] == "not_found"


@pytest.mark.django_db
def test_registering_the_same_token_again_is_the_same_device_seen_now(team):
    token = apns_token()
    first = register(team["owner"], platform="apns", token=token, locale="pt-BR")
    assert first.status_code == 201
    second = register(team["owner"], platform="apns", token=token.lower(), locale="en")
    assert second.status_code == 200, second.content
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["locale"] == "en"
    assert second.json()["last_seen_at"] > first.json()["last_seen_at"]
    assert second.json()["created_at"] == first.json()["created_at"]
    assert Device.objects.filter(token=token.lower()).count() == 1
    # APNs tokens are stored in lower case, whatever case the app sends.
    assert Device.objects.get(id=first.json()["id"]).token == token.lower()


@pytest.mark.django_db
def test_an_inactive_device_registered_again_is_active_again(team):
    token = fcm_token()
    device_id = register(team["owner"], platform="fcm", token=token).json()["id"]
    Device.objects.filter(id=device_id).update(active=False, endpoint_arn="arn:old")
    assert team["owner"].get("/api/v1/devices").json()["results"] == []
    again = register(team["owner"], platform="fcm", token=token)
    assert again.status_code == 200 and again.json()["id"] == device_id
    device = Device.objects.get(id=device_id)
    assert device.active and device.deactivated_at is None
    assert device.endpoint_arn == ""  # re-enabled at the next delivery
    assert [d["id"] for d in team["owner"].get("/api/v1/devices").json()["results"]] == [device_id]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"platform": "wns", "token": APNS_TOKEN}, "platform", "invalid_choice"),
        ({"token": APNS_TOKEN}, "platform", "required"),
        ({"platform": "apns"}, "token", "required"),
        ({"platform": "apns", "token": ""}, "token", "blank"),
        ({"platform": "apns", "token": "   "}, "token", "blank"),
        ({"platform": "fcm", "token": "x" * 1025}, "token", "max_length"),
        ({"platform": "apns", "token": "zz" * 32}, "token", "invalid_device_token"),
        ({"platform": "apns", "token": "ab" * 31}, "token", "invalid_device_token"),
        ({"platform": "fcm", "token": "short:token"}, "token", "invalid_device_token"),
        ({"platform": "fcm", "token": "a" * 40 + " <script>"}, "token", "invalid_device_token"),
        ({"platform": "fcm", "token": "é" * 40}, "token", "invalid_device_token"),
        ({"platform": "apns", "token": APNS_TOKEN, "locale": "fr"}, "locale", "invalid_choice"),
        (
            {"platform": "apns", "token": APNS_TOKEN, "app_version": "9" * 33},
            "app_version",
            "max_length",
        ),
        ({"platform": ["apns"], "token": APNS_TOKEN}, "platform", "invalid_choice"),
        ({"platform": "fcm", "token": {"a": 1}}, "token", "invalid"),
    ],
)
@pytest.mark.django_db
def test_invalid_registrations_are_validation_errors_on_the_field(team, body, field, code):
    response = register(team["owner"], **body)
    assert response.status_code == 400, response.content
    assert error(response)["code"] == "validation_error"
    assert code in [item["code"] for item in error(response)["fields"][field]]
    assert not Device.objects.filter(user__email=team["org"]["email"]).exists()


@pytest.mark.django_db
def test_a_portuguese_caller_reads_the_token_error_in_portuguese(team):
    response = team["owner"].post(
        "/api/v1/devices",
        {"platform": "apns", "token": "not-hex"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="pt-BR",
    )
    assert response.status_code == 400
    assert "hexadecimais" in error(response)["fields"]["token"][0]["message"]


@pytest.mark.django_db
def test_another_persons_device_is_not_found_and_not_listed(team):
    owner_device = register(team["owner"], platform="fcm", token=fcm_token()).json()["id"]
    member_device = register(team["member"], platform="apns", token=apns_token()).json()["id"]
    assert [d["id"] for d in team["member"].get("/api/v1/devices").json()["results"]] == [
        member_device
    ]
    refused = team["member"].delete(f"/api/v1/devices/{owner_device}")
    assert refused.status_code == 404 and error(refused)["code"] == "not_found"
    assert Device.objects.filter(id=owner_device).exists()
    assert team["member"].delete(f"/api/v1/devices/{uuid.uuid4()}").status_code == 404


@pytest.mark.django_db
def test_another_organizations_token_sees_and_removes_nothing(team, signup):
    device = register(team["owner"], platform="fcm", token=fcm_token()).json()["id"]
    other = auth(APIClient(), signup()["tokens"]["access"])
    assert other.get("/api/v1/devices").json()["results"] == []
    refused = other.delete(f"/api/v1/devices/{device}")
    assert refused.status_code == 404 and error(refused)["code"] == "not_found"
    assert Device.objects.filter(id=device).exists()


@pytest.mark.django_db
def test_the_same_person_has_separate_devices_per_organization(team):
    """A second organization of the same person: its token sees none of the first one's devices."""
    created = team["owner"].post(
        "/api/v1/organizations",
        {"organization_name": "Segunda", "organization_slug": f"seg-{uuid.uuid4().hex[:8]}"},
        format="json",
    )
    assert created.status_code == 201, created.content
    second = auth(APIClient(), created.json()["tokens"]["access"])
    first_device = register(team["owner"], platform="fcm", token=fcm_token()).json()["id"]
    assert second.get("/api/v1/devices").json()["results"] == []
    assert second.delete(f"/api/v1/devices/{first_device}").status_code == 404
    second_device = register(second, platform="fcm", token=fcm_token())
    assert second_device.status_code == 201
    assert [d["id"] for d in second.get("/api/v1/devices").json()["results"]] == [
        second_device.json()["id"]
    ]
    assert [d["id"] for d in team["owner"].get("/api/v1/devices").json()["results"]] == [
        first_device
    ]


@pytest.mark.django_db
def test_a_token_registered_by_someone_else_moves_to_the_caller(team):
    """The phone changed hands (the first person's logout did not reach us): only the new one gets notices."""
    token = fcm_token()
    before = register(team["owner"], platform="fcm", token=token).json()["id"]
    Device.objects.filter(id=before).update(endpoint_arn="arn:aws:sns:us-east-1:1:endpoint/x")
    moved = register(team["member"], platform="fcm", token=token)
    assert moved.status_code == 201 and moved.json()["id"] != before
    assert moved.json()["locale"] == "en"  # the member's language
    assert team["owner"].get("/api/v1/devices").json()["results"] == []
    device = Device.objects.get(token=token)
    assert device.user_id == team["member_user"].id
    assert device.endpoint_arn == "arn:aws:sns:us-east-1:1:endpoint/x"  # same token, same endpoint


@pytest.mark.django_db
def test_devices_are_listed_newest_first_with_cursor_pagination(team):
    ids = [
        register(team["owner"], platform="fcm", token=fcm_token()).json()["id"] for _ in range(3)
    ]
    first = team["owner"].get("/api/v1/devices?limit=2").json()
    assert [d["id"] for d in first["results"]] == ids[::-1][:2] and first["next"]
    second = team["owner"].get("/api/v1/devices", {"limit": 2, "cursor": first["next"]}).json()
    assert [d["id"] for d in second["results"]] == [ids[0]] and second["next"] is None
    forged = team["owner"].get("/api/v1/devices", {"cursor": "bm90LWEtY3Vyc29y"})
    assert forged.status_code == 400 and error(forged)["code"] == "invalid_cursor"


@pytest.mark.django_db
def test_a_removed_member_loses_their_devices_in_that_organization(team):
    device = register(team["member"], platform="fcm", token=fcm_token()).json()["id"]
    membership = Membership.objects.get(user=team["member_user"])
    removed = team["owner"].delete(f"/api/v1/members/{membership.id}")
    assert removed.status_code == 204, removed.content
    assert not Device.objects.filter(id=device).exists()


@pytest.mark.django_db
def test_without_a_token_every_route_is_401(team):
    device = register(team["owner"], platform="fcm", token=fcm_token()).json()["id"]
    anonymous = APIClient()
    for response in (
        anonymous.get("/api/v1/devices"),
        anonymous.post("/api/v1/devices", {"platform": "fcm", "token": fcm_token()}, format="json"),
        anonymous.delete(f"/api/v1/devices/{device}"),
    ):
        assert response.status_code == 401
        assert error(response)["code"] == "not_authenticated"
    bogus = auth(APIClient(), "not-a-jwt")
    assert bogus.get("/api/v1/devices").status_code == 401
    assert Device.objects.filter(id=device).exists()


@pytest.mark.django_db
def test_the_back_office_shows_devices_read_only_with_the_token_end(team, rf):
    token = fcm_token()
    device = Device.objects.get(
        id=register(team["owner"], platform="fcm", token=token).json()["id"]
    )
    model_admin = admin_site._registry[Device]
    request = rf.get("/admin/devices/device/")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, device)
    assert not model_admin.has_delete_permission(request, device)
    assert "token" not in model_admin.fields
    assert model_admin.token_end(device) == f"…{token[-6:]}"


@pytest.mark.django_db
def test_the_openapi_schema_describes_the_device_routes(tmp_path):
    import yaml
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target), "--fail-on-warn", "--validate")
    schema = yaml.safe_load(target.read_text())
    devices = schema["paths"]["/api/v1/devices"]
    assert {"200", "201"} <= set(devices["post"]["responses"])
    assert "200" in devices["get"]["responses"]
    assert "204" in schema["paths"]["/api/v1/devices/{device_id}"]["delete"]["responses"]
    body = devices["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    properties = schema["components"]["schemas"][body.rsplit("/", 1)[-1]]["properties"]
    assert set(properties) == {"platform", "token", "locale", "app_version"}
    assert schema["components"]["schemas"]["PlatformEnum"]["enum"] == ["apns", "fcm"]
    page = devices["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert set(schema["components"]["schemas"][page.rsplit("/", 1)[-1]]["properties"]) == {
        "results",
        "next",
    }
    assert {p["name"] for p in devices["get"]["parameters"]} == {"cursor", "limit"}


@pytest.mark.django_db
def test_a_person_keeps_the_ten_devices_seen_most_recently(team):
    from devices.services import MAX_DEVICES_PER_MEMBER

    ids = [
        register(team["owner"], platform="fcm", token=fcm_token()).json()["id"]
        for _ in range(MAX_DEVICES_PER_MEMBER)
    ]
    register(team["owner"], platform="fcm", token=Device.objects.get(id=ids[0]).token)  # seen now
    newest = register(team["owner"], platform="apns", token=apns_token()).json()["id"]
    kept = {d["id"] for d in team["owner"].get("/api/v1/devices?limit=50").json()["results"]}
    assert len(kept) == MAX_DEVICES_PER_MEMBER
    assert kept == {newest, ids[0], *ids[2:]}  # the one seen least recently went
    assert not Device.objects.filter(id=ids[1]).exists()
    # Another member's devices do not count.
    register(team["member"], platform="fcm", token=fcm_token())
    assert Device.objects.filter(user__email=team["org"]["email"]).count() == MAX_DEVICES_PER_MEMBER
