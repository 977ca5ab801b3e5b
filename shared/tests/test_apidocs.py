"""The API docs page loads nothing from another origin.

Its script (Redoc) is shipped in the package at a pinned version, served by the
service itself, named with its SHA-384, and the page's Content-Security-Policy
allows this origin only.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import include, path

from pocdex_shared import apidocs

urlpatterns = [path("", include("pocdex_shared.apidocs"))]
pytestmark = pytest.mark.urls(__name__)

SHIPPED = apidocs.REDOC_SCRIPT / apidocs.REDOC_SCRIPT_NAME


class References(HTMLParser):
    """Every URL an HTML page makes a browser load or follow."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values)
        for name in ("src", "href", "spec-url", "action", "data", "poster"):
            if values.get(name):
                self.urls.append(str(values[name]))


def references(html: str) -> References:
    parser = References()
    parser.feed(html)
    return parser


def sha384(data: bytes) -> str:
    return base64.b64encode(hashlib.sha384(data).digest()).decode()


def csp_directives(header: str) -> dict[str, list[str]]:
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


@pytest.mark.parametrize("prefix", [None, "/api/docs/pocs"], ids=["direct", "behind-gateway"])
def test_docs_page_references_no_other_origin(client: Client, prefix: str | None) -> None:
    headers = {"HTTP_X_FORWARDED_PREFIX": prefix} if prefix else {}

    response = client.get("/api/docs", **headers)

    assert response.status_code == 200
    html = response.content.decode()
    found = references(html)
    assert found.urls, "the page loads its script and schema"
    for url in found.urls:
        assert url.startswith("/") and not url.startswith("//"), url
    assert not re.search(r"(?i)\b(https?:|//[a-z0-9.-]+\.[a-z]{2,})", html), html
    assert "@latest" not in html


def test_docs_page_content_security_policy_allows_only_this_origin(client: Client) -> None:
    response = client.get("/api/docs")

    directives = csp_directives(response["Content-Security-Policy"])
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]
    allowed = {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}
    for name, sources in directives.items():
        assert set(sources) <= allowed, (name, sources)
    assert directives["frame-ancestors"] == ["'none'"]


def test_docs_script_is_the_pinned_release_named_by_its_integrity(client: Client) -> None:
    page = client.get("/api/docs").content.decode()
    (script,) = references(page).scripts
    shipped = SHIPPED.read_bytes()

    assert script["integrity"] == f"sha384-{sha384(shipped)}"
    assert sha384(shipped) == apidocs.REDOC_SHA384
    licence_notes = (apidocs.REDOC_SCRIPT / "redoc.standalone.js.LICENSE.txt").read_text()
    assert f'Version: "{apidocs.REDOC_VERSION}"' in licence_notes
    response = client.get(str(script["src"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert sha384(b"".join(response.streaming_content)) == apidocs.REDOC_SHA384  # type: ignore[arg-type]


def test_docs_page_behind_the_gateway_loads_its_script_and_schema_through_the_gateway(
    client: Client,
) -> None:
    page = client.get("/api/docs", HTTP_X_FORWARDED_PREFIX="/api/docs/pocs").content.decode()

    found = references(page)
    assert "/api/schema/pocs" in found.urls
    assert found.scripts[0]["src"] == (
        f"/api/docs/pocs/redoc.standalone.js?v={apidocs.REDOC_VERSION}"
    )


def test_a_forged_forwarded_prefix_cannot_point_the_page_elsewhere(client: Client) -> None:
    page = client.get(
        "/api/docs", HTTP_X_FORWARDED_PREFIX='//evil.example/"><script>'
    ).content.decode()

    assert "evil" not in page
    assert "/api/schema" in references(page).urls


def test_redoc_licence_is_shipped_with_it() -> None:
    licence = (apidocs.REDOC_SCRIPT / "LICENSE").read_text()

    assert "MIT License" in licence
    assert "Rebilly" in licence
    assert (apidocs.REDOC_SCRIPT / "redoc.standalone.js.LICENSE.txt").is_file()
