"""Settings of the app-link files (``/.well-known/assetlinks.json`` and
``apple-app-site-association``): which apps may open the mails' https links.

Locally the apps are named with placeholder certificates and team, so the files
are served and testable; production refuses to start without the real ones.
"""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured

from pocdex_shared.conf import csv_list, environment_name, is_production

#: A certificate nobody signs with: the local default of the Android fingerprints.
LOCAL_ANDROID_FINGERPRINT = ":".join(["00"] * 32)
#: A team id Apple never issues (all zeros): the local default of the iOS app ids.
LOCAL_IOS_TEAM = "0000000000"

_FINGERPRINT = re.compile(r"^[0-9A-F]{2}(:[0-9A-F]{2}){31}$")
_PACKAGE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+$")
_APP_ID = re.compile(r"^[A-Z0-9]{10}\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def _refuse(name: str, why: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} {why} (POCDEX_ENV={environment_name()!r}).")


def android_packages() -> list[str]:
    packages = csv_list("APP_LINKS_ANDROID_PACKAGES", default=["app.pocdex.android"])
    for package in packages:
        if not _PACKAGE.match(package):
            raise _refuse("APP_LINKS_ANDROID_PACKAGES", f"names {package!r}, not a package")
    return packages


def android_fingerprints() -> list[str]:
    """SHA-256 fingerprints of the Android signing certificates, ``AA:BB:…`` (upper case)."""
    values = [v.upper() for v in csv_list("APP_LINKS_ANDROID_CERT_SHA256")]
    for value in values:
        if not _FINGERPRINT.match(value):
            raise _refuse("APP_LINKS_ANDROID_CERT_SHA256", "holds a value that is not a SHA-256")
    if is_production() and (not values or LOCAL_ANDROID_FINGERPRINT in values):
        raise _refuse(
            "APP_LINKS_ANDROID_CERT_SHA256",
            "must name the release signing certificate's SHA-256 in production",
        )
    return values or [LOCAL_ANDROID_FINGERPRINT]


def ios_app_ids() -> list[str]:
    """``TEAMID.bundle`` of the iOS apps."""
    values = csv_list("APP_LINKS_IOS_APP_IDS")
    for value in values:
        if not _APP_ID.match(value):
            raise _refuse("APP_LINKS_IOS_APP_IDS", f"holds {value!r}, not TEAMID.bundle.id")
    if is_production() and (not values or any(v.startswith(LOCAL_IOS_TEAM + ".") for v in values)):
        raise _refuse("APP_LINKS_IOS_APP_IDS", "must name the App ID (TEAMID.bundle) in production")
    return values or [f"{LOCAL_IOS_TEAM}.br.com.pocdex.app"]
