"""One S3 bucket per organization, named from its id (files are kept per tenant, ADR 0009).

The name is ``<S3_BUCKET_PREFIX><tenant uuid hex>``: deterministic, so no
service needs to store or ask for it, and within S3's 63-character limit.
Clients read and write objects only through presigned URLs. Each service
keeps its objects under its own prefix (``pocs/…``, ``media/reports/…``).

A service using it sets ``S3_ENDPOINT_URL`` (None on AWS), ``S3_REGION`` and
``S3_BUCKET_PREFIX``.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.signals import setting_changed

from pocdex_shared.memo import TtlCache

# Buckets this process knows exist: saves a HEAD per upload.
_known: TtlCache[str, bool] = TtlCache(max_entries=10_000)


@lru_cache(maxsize=1)
def s3_client() -> Any:
    """A boto3 S3 client for the configured endpoint (s3proxy locally, AWS otherwise).

    Checksum behaviour and addressing style come from the AWS environment and
    config file, never overridden here (s3proxy needs ``when_required``).
    """
    return boto3.session.Session().client(
        "s3", endpoint_url=getattr(settings, "S3_ENDPOINT_URL", None), region_name=_region()
    )


def _region() -> str:
    return str(getattr(settings, "S3_REGION", "us-east-1"))


def bucket_name(tenant_id: uuid.UUID | str) -> str:
    return f"{getattr(settings, 'S3_BUCKET_PREFIX', 'pocdex-t-')}{uuid.UUID(str(tenant_id)).hex}"


def ensure_bucket(tenant_id: uuid.UUID | str) -> str:
    """Create the organization's bucket if it does not exist yet (idempotent)."""
    name = bucket_name(tenant_id)
    if _known.get(name):
        return name
    client = s3_client()
    try:
        client.head_bucket(Bucket=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket", "NotFound"}:
            raise
        try:
            if _region() == "us-east-1":
                client.create_bucket(Bucket=name)
            else:
                client.create_bucket(
                    Bucket=name,
                    CreateBucketConfiguration={"LocationConstraint": _region()},
                )
        except ClientError as create_exc:
            code = create_exc.response.get("Error", {}).get("Code")
            if code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise
    _known.put(name, True, 300)
    return name


def _reset(*, setting: str, **kwargs: object) -> None:
    if setting.startswith(("S3_", "AWS_")):
        s3_client.cache_clear()
        _known.forget()


setting_changed.connect(_reset, dispatch_uid="pocdex_shared_storage_reset")
