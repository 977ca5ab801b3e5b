"""One S3 bucket per organization, named from its id (files are kept per tenant, ADR 0009).

The name is ``<S3_BUCKET_PREFIX><tenant uuid hex>``: deterministic, so no
service needs to store or ask for it, and within S3's 63-character limit.
Clients read and write objects only through presigned URLs. Each service
keeps its objects under its own prefix (``pocs/…``, ``media/reports/…``).

A service using it sets ``S3_ENDPOINT_URL`` (None on AWS), ``S3_REGION`` and
``S3_BUCKET_PREFIX``.

On AWS (``S3_BUCKET_HARDENING``) a bucket is configured when it is created:
default encryption (SSE-KMS with ``S3_KMS_KEY_ID`` when set, SSE-S3
otherwise), every public access blocked, tags naming the organization, the
creating service and the stage, and a policy that refuses plain HTTP and, when
``S3_CLOUDFRONT_DISTRIBUTION_ARN`` is set, lets only that CloudFront
distribution (origin access control) read the ``media/`` prefix. s3proxy, the
local S3, implements none of these calls, so the hardening is off locally.

When an organization's files go, each service empties its own prefix
(``purge_prefix``) and tries to delete the bucket (``delete_bucket_if_empty``):
whichever service finishes last removes it, and neither needs the right to
touch the other's objects.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
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
    hardening = bool(getattr(settings, "S3_BUCKET_HARDENING", False))
    try:
        client.head_bucket(Bucket=name)
        if hardening and not _configured(name):
            configure_bucket(tenant_id)  # made before the hardening, or its maker died midway
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
        if hardening:
            configure_bucket(tenant_id)
    _known.put(name, True, 300)
    return name


#: The prefix CloudFront may read (media's downloads); pocs' files are never public.
CLOUDFRONT_PREFIX = "media/"


def bucket_encryption() -> dict[str, Any]:
    """Default encryption: SSE-KMS with ``S3_KMS_KEY_ID`` (and a bucket key), else SSE-S3."""
    key_id = str(getattr(settings, "S3_KMS_KEY_ID", "") or "")
    if key_id:
        return {
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key_id,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        }
    return {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


def bucket_tags(tenant_id: uuid.UUID | str) -> dict[str, str]:
    return {
        "pocdex:tenant": str(uuid.UUID(str(tenant_id))),
        "pocdex:service": str(getattr(settings, "POCDEX_SERVICE", "unknown")),
        "pocdex:stage": str(getattr(settings, "POCDEX_STAGE", "local")),
    }


def bucket_policy(name: str) -> dict[str, Any]:
    """Plain HTTP refused; CloudFront's origin access control may read ``media/``."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    distribution = str(getattr(settings, "S3_CLOUDFRONT_DISTRIBUTION_ARN", "") or "")
    if distribution:
        partition = distribution.split(":")[1]
        arn = f"arn:{partition}:s3:::{name}"
        statements[0]["Resource"] = [arn, f"{arn}/*"]
        statements.append(
            {
                "Sid": "CloudFrontReadsMedia",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": f"{arn}/{CLOUDFRONT_PREFIX}*",
                "Condition": {"StringEquals": {"AWS:SourceArn": distribution}},
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def configure_bucket(tenant_id: uuid.UUID | str) -> None:
    """Encryption, public access block, tags and policy of the organization's bucket.

    Idempotent: every call states the whole configuration, so the service that
    lost the creation race applies the same one, and a bucket found without it
    (created before the hardening was on) gets it the first time it is used.
    """
    name = bucket_name(tenant_id)
    client = s3_client()
    client.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration=bucket_encryption())
    client.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    client.put_bucket_policy(Bucket=name, Policy=json.dumps(bucket_policy(name)))
    # Last: the tenant tag marks a bucket whose configuration is complete (``_configured``).
    client.put_bucket_tagging(
        Bucket=name,
        Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in bucket_tags(tenant_id).items()]},
    )


def _configured(name: str) -> bool:
    try:
        tags = s3_client().get_bucket_tagging(Bucket=name)["TagSet"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchTagSet":
            return False
        raise
    return any(tag["Key"] == "pocdex:tenant" for tag in tags)


def _keys(name: str, prefix: str, page_size: int) -> Iterator[list[dict[str, str]]]:
    """The keys under ``prefix``, in pages of at most ``page_size``."""
    paginator = s3_client().get_paginator("list_objects_v2")
    pages = paginator.paginate(Bucket=name, Prefix=prefix, PaginationConfig={"PageSize": page_size})
    for page in pages:
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            yield keys


def purge_prefix(tenant_id: uuid.UUID | str, prefix: str, *, page_size: int = 1000) -> int:
    """Delete every object under ``prefix`` in the organization's bucket; how many.

    A bucket that is already gone holds nothing: 0.
    """
    if not prefix.endswith("/"):
        raise ValueError("a purge prefix ends with '/' (a service's own folder)")
    name = bucket_name(tenant_id)
    client = s3_client()
    deleted = 0
    try:
        for keys in _keys(name, prefix, min(page_size, 1000)):  # DeleteObjects takes 1,000
            try:
                answer = client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "NotImplemented":
                    raise
                # s3proxy (the local S3) refuses the checksum DeleteObjects requires.
                for key in keys:
                    client.delete_object(Bucket=name, Key=key["Key"])
                answer = {}
            errors = answer.get("Errors", [])
            if errors:
                first = errors[0]
                raise RuntimeError(
                    f"S3 kept {len(errors)} object(s) of {name}: {first.get('Code')} {first.get('Key')}"
                )
            deleted += len(keys)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchBucket":
            raise
    return deleted


def delete_bucket_if_empty(tenant_id: uuid.UUID | str) -> bool:
    """Delete the organization's bucket unless another service's files are still in it.

    True when the bucket is gone (deleted now or before), False when it still
    holds objects (the other service has not purged its prefix yet).
    """
    name = bucket_name(tenant_id)
    try:
        s3_client().delete_bucket(Bucket=name)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code == "BucketNotEmpty":
            return False
        if code != "NoSuchBucket":
            raise
    _known.forget(name)
    return True


def _reset(*, setting: str, **kwargs: object) -> None:
    if setting.startswith(("S3_", "AWS_", "POCDEX_")):
        s3_client.cache_clear()
        _known.forget()


setting_changed.connect(_reset, dispatch_uid="pocdex_shared_storage_reset")
