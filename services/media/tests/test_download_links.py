"""Download links: CloudFront signed URLs when configured, presigned S3 URLs otherwise."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from jobs import files
from pocdex_shared.cloudfront import CloudFrontSigning
from pocdex_shared.storage import bucket_name

NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
RECORD = {"key": "media/reports/7/report.pdf", "filename": "report.pdf"}


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def cloudfront(settings: Any, private_key: rsa.RSAPrivateKey) -> None:
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.MEDIA_CLOUDFRONT = CloudFrontSigning("media.pocdex.example", "KTESTKEY123", pem)
    settings.MEDIA_DOWNLOAD_URL_SECONDS = 300


def _signature_holds(url: str, key: rsa.RSAPublicKey) -> bool:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    resource = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    condition = {"DateLessThan": {"AWS:EpochTime": int(query["Expires"])}}
    policy = json.dumps(
        {"Statement": [{"Resource": resource, "Condition": condition}]}, separators=(",", ":")
    )
    signature = base64.b64decode(
        query["Signature"].replace("-", "+").replace("_", "=").replace("~", "/")
    )
    try:
        key.verify(signature, policy.encode(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    except Exception:
        return False
    return True


def test_with_cloudfront_the_link_is_a_signed_url_of_the_callers_organization(
    cloudfront: None, private_key: rsa.RSAPrivateKey
) -> None:
    tenant, other = uuid.uuid4(), uuid.uuid4()
    url = files.download_url(tenant_id=tenant, record=RECORD, now=NOW)

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        f"https://media.pocdex.example/t/{tenant.hex}/media/reports/7/report.pdf"
    )
    query = parse_qs(parts.query)
    assert query["Key-Pair-Id"] == ["KTESTKEY123"]
    assert query["Expires"] == [str(int((NOW + timedelta(seconds=300)).timestamp()))]
    assert _signature_holds(url, private_key.public_key())
    # The signature covers the organization: pointed at another one, CloudFront refuses it.
    assert not _signature_holds(url.replace(tenant.hex, other.hex), private_key.public_key())


def test_only_medias_own_files_get_a_link(cloudfront: None) -> None:
    for key in ("pocs/1/2/attachment.zip", "reports/x.pdf", ""):
        with pytest.raises(ValueError, match="media's own files"):
            files.download_url(tenant_id=uuid.uuid4(), record={**RECORD, "key": key}, now=NOW)


def test_without_cloudfront_the_link_is_a_presigned_s3_url(settings: Any) -> None:
    settings.MEDIA_CLOUDFRONT = None
    tenant = uuid.uuid4()
    url = files.download_url(tenant_id=tenant, record=RECORD)
    parts = urlsplit(url)
    assert parts.path == f"/{bucket_name(tenant)}/media/reports/7/report.pdf"
    assert "Signature" in parse_qs(parts.query)
