"""CloudFront signed URLs: downloads served by the CDN from a private bucket.

On AWS, media's downloads go through the stage's CloudFront distribution
(cdk/pocdex_cdk/storage.py): ``/t/<tenant uuid hex>/<key>`` reaches that
organization's bucket through origin access control, and the behaviour trusts
one key group, so only a URL signed with the private half of its key is
served. The signature (a canned policy: this exact URL, until this instant)
covers the tenant in the path, so a URL cannot be turned into another
organization's file.

Configured by ``MEDIA_CLOUDFRONT_DOMAIN`` (the distribution's host name);
when it is set, ``MEDIA_CLOUDFRONT_KEY_ID`` (the CloudFront public key's id)
and ``MEDIA_CLOUDFRONT_PRIVATE_KEY`` (the RSA private key, PEM, from Secrets
Manager) are required. Unset, downloads stay presigned S3 URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import quote

from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.exceptions import ImproperlyConfigured

from pocdex_shared.conf import env, required

_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_KEY_ID = re.compile(r"^K[A-Z0-9]{6,32}$")
#: CloudFront accepts 2048-bit RSA keys (and larger ones are refused by its API).
MIN_KEY_BITS = 2048


@dataclass(frozen=True)
class CloudFrontSigning:
    domain: str
    key_id: str
    private_key_pem: str = field(repr=False)


def _load_key(pem: str, name: str) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{name} is not an unencrypted PEM private key.") from exc
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < MIN_KEY_BITS:
        raise ImproperlyConfigured(f"{name} must be an RSA key of at least {MIN_KEY_BITS} bits.")
    return key


def signing_from_env() -> CloudFrontSigning | None:
    """The media download signing configuration, or None when CloudFront is not used."""
    domain = env.str("MEDIA_CLOUDFRONT_DOMAIN", default="").strip().lower()
    if not domain:
        return None
    if not _HOST.match(domain):
        raise ImproperlyConfigured(
            "MEDIA_CLOUDFRONT_DOMAIN must be a host name (media.example.com), without scheme or path."
        )
    key_id = required("MEDIA_CLOUDFRONT_KEY_ID", purpose="the CloudFront public key's id")
    if not _KEY_ID.match(key_id):
        raise ImproperlyConfigured("MEDIA_CLOUDFRONT_KEY_ID must be a CloudFront public key id.")
    pem = required(
        "MEDIA_CLOUDFRONT_PRIVATE_KEY", purpose="the private key that signs download URLs"
    )
    _load_key(pem, "MEDIA_CLOUDFRONT_PRIVATE_KEY")
    return CloudFrontSigning(domain=domain, key_id=key_id, private_key_pem=pem)


@lru_cache(maxsize=4)
def _signer(key_id: str, pem: str) -> CloudFrontSigner:
    key = _load_key(pem, "the CloudFront signing key")

    def rsa_sha1(message: bytes) -> bytes:
        # What CloudFront verifies for a canned policy's Signature: RSA PKCS#1 v1.5 over SHA-1.
        return key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303

    return CloudFrontSigner(key_id, rsa_sha1)


def tenant_path(tenant_hex: str, key: str) -> str:
    """``/t/<tenant hex>/<key>``: the path the distribution routes to the tenant's bucket."""
    if not re.fullmatch(r"[0-9a-f]{32}", tenant_hex):
        raise ValueError("tenant_hex is a tenant id's 32 lower-case hex digits")
    if not key or key.startswith("/") or ".." in key.split("/"):
        raise ValueError("an object key is relative and stays inside the bucket")
    return f"/t/{tenant_hex}/{quote(key, safe='/')}"


def signed_url(signing: CloudFrontSigning, path: str, expires_at: datetime) -> str:
    """``https://<domain><path>`` signed with a canned policy that ends at ``expires_at``."""
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    url = f"https://{signing.domain}{path}"
    signer = _signer(signing.key_id, signing.private_key_pem)
    # botocore reads the instant's fields as UTC.
    return str(signer.generate_presigned_url(url, date_less_than=expires_at.astimezone(UTC)))


_DISTRIBUTION_ARN = re.compile(r"^arn:aws[a-z-]*:cloudfront::[0-9]{12}:distribution/[A-Z0-9]+$")


def distribution_arn_from_env() -> str:
    """``S3_CLOUDFRONT_DISTRIBUTION_ARN``: the distribution tenant buckets let read ``media/``.

    Empty (no CloudFront statement in the bucket policy) when unset.
    """
    arn = env.str("S3_CLOUDFRONT_DISTRIBUTION_ARN", default="").strip()
    if arn and not _DISTRIBUTION_ARN.match(arn):
        raise ImproperlyConfigured(
            "S3_CLOUDFRONT_DISTRIBUTION_ARN must be a CloudFront distribution's ARN "
            "(arn:aws:cloudfront::<account>:distribution/<id>)."
        )
    return arn
