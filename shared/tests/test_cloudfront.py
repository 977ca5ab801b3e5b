"""CloudFront signed URLs: verified here as CloudFront verifies them.

CloudFront checks a canned-policy URL by rebuilding the policy from the URL
(the resource without the query, ``Expires``), verifying ``Signature``
(CloudFront's base64: ``+=/`` written ``-_~``) against the public key named by
``Key-Pair-Id`` with RSA PKCS#1 v1.5 over SHA-1, and refusing it from
``Expires`` on. ``verify`` below does exactly that.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.exceptions import ImproperlyConfigured

from pocdex_shared.cloudfront import (
    CloudFrontSigning,
    distribution_arn_from_env,
    signed_url,
    signing_from_env,
    tenant_path,
)

KEY_ID = "K2JCJMDEHXQW5F"
NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def signing(private_key: rsa.RSAPrivateKey) -> CloudFrontSigning:
    return CloudFrontSigning(
        domain="media.pocdex.example", key_id=KEY_ID, private_key_pem=_pem(private_key)
    )


def verify(url: str, public_key: rsa.RSAPublicKey, *, now: datetime) -> bool:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if set(query) != {"Expires", "Signature", "Key-Pair-Id"} or query["Key-Pair-Id"] != KEY_ID:
        return False
    resource = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    expires = int(query["Expires"])
    policy = json.dumps(
        {
            "Statement": [
                {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
            ]
        },
        separators=(",", ":"),
    ).encode()
    signature = base64.b64decode(
        query["Signature"].replace("-", "+").replace("_", "=").replace("~", "/")
    )
    try:
        public_key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    except InvalidSignature:
        return False
    return now.timestamp() < expires


def _replace_query(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query[name] = value
    rebuilt = "&".join(f"{k}={v}" for k, v in query.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rebuilt, ""))


def test_a_signed_url_verifies_with_the_public_key_until_it_expires(
    signing: CloudFrontSigning, private_key: rsa.RSAPrivateKey
) -> None:
    tenant = uuid.uuid4()
    path = tenant_path(tenant.hex, "media/reports/1/report.pdf")
    url = signed_url(signing, path, NOW + timedelta(minutes=5))

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "media.pocdex.example",
        f"/t/{tenant.hex}/media/reports/1/report.pdf",
    )
    assert parse_qs(parts.query)["Expires"] == [str(int((NOW + timedelta(minutes=5)).timestamp()))]
    public = private_key.public_key()
    assert verify(url, public, now=NOW)
    assert verify(url, public, now=NOW + timedelta(minutes=4, seconds=59))
    assert not verify(url, public, now=NOW + timedelta(minutes=5))


def test_a_url_changed_to_another_tenant_or_a_later_expiry_no_longer_verifies(
    signing: CloudFrontSigning, private_key: rsa.RSAPrivateKey
) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    url = signed_url(signing, tenant_path(mine.hex, "media/videos/9/video-mp4.mp4"), NOW)
    public = private_key.public_key()
    earlier = NOW - timedelta(seconds=1)
    assert verify(url, public, now=earlier)

    assert not verify(url.replace(mine.hex, theirs.hex), public, now=earlier)
    assert not verify(url.replace("video-mp4", "video-webm"), public, now=earlier)
    later = str(int((NOW + timedelta(days=1)).timestamp()))
    assert not verify(_replace_query(url, "Expires", later), public, now=earlier)


def test_another_key_does_not_verify(signing: CloudFrontSigning) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    url = signed_url(signing, tenant_path(uuid.uuid4().hex, "media/x"), NOW)
    assert not verify(url, other, now=NOW - timedelta(seconds=1))


def test_paths_stay_inside_the_tenant() -> None:
    tenant = uuid.uuid4().hex
    assert tenant_path(tenant, "media/a b/ç.pdf") == f"/t/{tenant}/media/a%20b/%C3%A7.pdf"
    for bad_tenant in ("", tenant.upper(), tenant[:-1], "../" + tenant[3:]):
        with pytest.raises(ValueError):
            tenant_path(bad_tenant, "media/x")
    for bad_key in ("", "/media/x", "media/../../other/x", ".."):
        with pytest.raises(ValueError):
            tenant_path(tenant, bad_key)


def test_expiry_must_be_an_instant(signing: CloudFrontSigning) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        signed_url(signing, "/t/x", datetime(2026, 12, 6, 15, 0))


def test_unset_domain_means_no_cloudfront(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDIA_CLOUDFRONT_DOMAIN", raising=False)
    monkeypatch.setenv("MEDIA_CLOUDFRONT_KEY_ID", KEY_ID)
    assert signing_from_env() is None


def test_the_configuration_is_checked_at_start_up(
    monkeypatch: pytest.MonkeyPatch, private_key: rsa.RSAPrivateKey
) -> None:
    monkeypatch.setenv("POCDEX_ENV", "production")
    monkeypatch.setenv("MEDIA_CLOUDFRONT_DOMAIN", "Media.Pocdex.Example")
    monkeypatch.setenv("MEDIA_CLOUDFRONT_KEY_ID", KEY_ID)
    monkeypatch.setenv("MEDIA_CLOUDFRONT_PRIVATE_KEY", _pem(private_key))
    configured = signing_from_env()
    assert configured is not None
    assert (configured.domain, configured.key_id) == ("media.pocdex.example", KEY_ID)
    assert "PRIVATE" not in repr(configured)

    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (refused)
    cases = {
        "MEDIA_CLOUDFRONT_DOMAIN": ["https://media.pocdex.example", "media.pocdex.example/t"],
        "MEDIA_CLOUDFRONT_KEY_ID": ["", "not-a-key-id"],
        "MEDIA_CLOUDFRONT_PRIVATE_KEY": ["", "-----BEGIN PRIVATE KEY-----\nAAAA", _pem(small)],
    }
    for name, values in cases.items():
        for value in values:
            with monkeypatch.context() as patch:
                patch.setenv(name, value)
                with pytest.raises(ImproperlyConfigured, match=name):
                    signing_from_env()


def test_the_distribution_arn_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("S3_CLOUDFRONT_DISTRIBUTION_ARN", raising=False)
    assert distribution_arn_from_env() == ""
    arn = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE"
    monkeypatch.setenv("S3_CLOUDFRONT_DISTRIBUTION_ARN", arn)
    assert distribution_arn_from_env() == arn
    monkeypatch.setenv("S3_CLOUDFRONT_DISTRIBUTION_ARN", "E2EXAMPLE")
    with pytest.raises(ImproperlyConfigured, match="S3_CLOUDFRONT_DISTRIBUTION_ARN"):
        distribution_arn_from_env()
