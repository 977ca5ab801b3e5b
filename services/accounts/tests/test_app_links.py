"""The app-link files: served as JSON on the link host, naming the apps and the paths they claim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from config import app_links
from identity.app_links import APP_LINK_PATHS, IOS_ONLY_PATHS

ROOT = Path(__file__).resolve().parents[3]
MANIFEST = ROOT / "mobile/android/app/src/main/AndroidManifest.xml"
DEEP_LINK = ROOT / "mobile/ios/PocdexKit/Sources/PocdexKit/ViewModels/Support.swift"
RELEASE = ":".join(["AB"] * 32)


def test_assetlinks_names_each_package_with_the_signing_fingerprints(settings) -> None:  # type: ignore[no-untyped-def]
    settings.APP_LINKS_ANDROID_PACKAGES = ["app.pocdex.android", "app.pocdex.android.debug"]
    settings.APP_LINKS_ANDROID_CERT_SHA256 = [RELEASE]
    response = Client().get("/.well-known/assetlinks.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == [
        {
            "relation": ["delegate_permission/common.handle_all_urls"],
            "target": {
                "namespace": "android_app",
                "package_name": package,
                "sha256_cert_fingerprints": [RELEASE],
            },
        }
        for package in ("app.pocdex.android", "app.pocdex.android.debug")
    ]


def test_apple_app_site_association_is_json_at_its_exact_path_without_redirect(settings) -> None:  # type: ignore[no-untyped-def]
    settings.APP_LINKS_IOS_APP_IDS = ["ABCDE12345.br.com.pocdex.app"]
    response = Client().get("/.well-known/apple-app-site-association")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    details = response.json()["applinks"]["details"]
    assert [d["appIDs"] for d in details] == [["ABCDE12345.br.com.pocdex.app"]]
    components = details[0]["components"]
    assert {c["/"] for c in components} == {*APP_LINK_PATHS, *IOS_ONLY_PATHS}
    assert all(c["?"] == {"token": "?*"} for c in components)
    assert Client().post("/.well-known/apple-app-site-association").status_code == 405


def test_the_paths_are_the_ones_the_apps_claim() -> None:
    manifest = MANIFEST.read_text()
    verified = manifest[manifest.index('android:autoVerify="true"') :]
    verified = verified[: verified.index("</intent-filter>")]
    android = set(re.findall(r'android:path="([^"]+)"', verified))
    assert android == set(APP_LINK_PATHS)
    swift = DEEP_LINK.read_text()
    parser = swift[swift.index("public enum DeepLink") : swift.index("public enum Validation")]
    ios = set(re.findall(r'"(/[a-z/-]+)"', parser))
    assert ios == {*APP_LINK_PATHS, *IOS_ONLY_PATHS}


def test_local_defaults_serve_placeholders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCDEX_ENV", "local")
    monkeypatch.delenv("APP_LINKS_ANDROID_CERT_SHA256", raising=False)
    monkeypatch.delenv("APP_LINKS_IOS_APP_IDS", raising=False)
    assert app_links.android_fingerprints() == [app_links.LOCAL_ANDROID_FINGERPRINT]
    assert app_links.ios_app_ids() == ["0000000000.br.com.pocdex.app"]
    assert app_links.android_packages() == ["app.pocdex.android"]


@pytest.mark.parametrize("value", ["", app_links.LOCAL_ANDROID_FINGERPRINT, "ab:cd"])
def test_production_refuses_a_missing_local_or_malformed_fingerprint(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("POCDEX_ENV", "production")
    monkeypatch.setenv("APP_LINKS_ANDROID_CERT_SHA256", value)
    with pytest.raises(ImproperlyConfigured, match="APP_LINKS_ANDROID_CERT_SHA256"):
        app_links.android_fingerprints()


@pytest.mark.parametrize("value", ["", "0000000000.br.com.pocdex.app", "br.com.pocdex.app"])
def test_production_refuses_a_missing_local_or_malformed_app_id(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("POCDEX_ENV", "production")
    monkeypatch.setenv("APP_LINKS_IOS_APP_IDS", value)
    with pytest.raises(ImproperlyConfigured, match="APP_LINKS_IOS_APP_IDS"):
        app_links.ios_app_ids()


def test_production_takes_real_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCDEX_ENV", "production")
    monkeypatch.setenv("APP_LINKS_ANDROID_CERT_SHA256", RELEASE.lower())
    monkeypatch.setenv("APP_LINKS_IOS_APP_IDS", "ABCDE12345.br.com.pocdex.app")
    assert app_links.android_fingerprints() == [RELEASE]
    assert app_links.ios_app_ids() == ["ABCDE12345.br.com.pocdex.app"]
