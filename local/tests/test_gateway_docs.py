"""Each service's API docs page, through the gateway, loads only from the gateway.

The page names its script (Redoc, shipped in the shared package) under the
public prefix ``/api/docs/<service>/``; the gateway must route that to the
service, and what arrives must match the integrity the page declares.
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from .test_gateway import SERVICE_PORTS, gateway_is_up, get  # noqa: F401 (autouse fixture)


@pytest.mark.parametrize("service", sorted(SERVICE_PORTS))
def test_docs_page_script_is_served_through_the_gateway_with_its_integrity(service: str) -> None:
    page = get(f"/api/docs/{service}")
    assert page.status_code == 200, page.text[:300]
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert not re.search(r"https?:", csp + page.text)
    match = re.search(r'<script src="([^"]+)" integrity="sha384-([^"]+)"', page.text)
    assert match, page.text
    src, integrity = match.groups()
    assert src.startswith(f"/api/docs/{service}/")

    script = get(src)

    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert base64.b64encode(hashlib.sha384(script.content).digest()).decode() == integrity
    schema = re.search(r'spec-url="([^"]+)"', page.text)
    assert schema and schema.group(1) == f"/api/schema/{service}"
    assert get(schema.group(1)).status_code == 200
