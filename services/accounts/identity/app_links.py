"""The files that let the mobile apps open the mails' https links (verified app links).

``/.well-known/assetlinks.json`` (Android) and ``/.well-known/apple-app-site-association``
(iOS) are served as JSON, without redirect, on every host accounts answers (the
API host the mails link to, ``APP_LINK_BASE``). The paths are the ones the apps
claim: the Android manifest's intent filter and PocdexKit's ``DeepLink``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

#: The link paths both apps handle (each with a ``token`` query parameter).
APP_LINK_PATHS = ("/invite", "/invitations/accept", "/verify-email", "/reset-password")
#: Older spellings the iOS app also understands.
IOS_ONLY_PATHS = ("/invitation", "/password-reset")

_CACHE = "public, max-age=3600"


def assetlinks() -> list[dict[str, Any]]:
    return [
        {
            "relation": ["delegate_permission/common.handle_all_urls"],
            "target": {
                "namespace": "android_app",
                "package_name": package,
                "sha256_cert_fingerprints": list(settings.APP_LINKS_ANDROID_CERT_SHA256),
            },
        }
        for package in settings.APP_LINKS_ANDROID_PACKAGES
    ]


def apple_app_site_association() -> dict[str, Any]:
    return {
        "applinks": {
            "details": [
                {
                    "appIDs": list(settings.APP_LINKS_IOS_APP_IDS),
                    "components": [
                        {"/": path, "?": {"token": "?*"}}
                        for path in (*APP_LINK_PATHS, *IOS_ONLY_PATHS)
                    ],
                }
            ]
        }
    }


@require_GET
def assetlinks_view(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(assetlinks(), safe=False)
    response["Cache-Control"] = _CACHE
    return response


@require_GET
def apple_app_site_association_view(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(apple_app_site_association())
    response["Cache-Control"] = _CACHE
    return response
