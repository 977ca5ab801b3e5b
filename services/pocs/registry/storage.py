"""Attachment objects in the organization's bucket, reached only through presigned URLs."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from botocore.exceptions import ClientError
from django.conf import settings
from django.utils import timezone

from pocdex_shared.storage import bucket_name, ensure_bucket, s3_client

from .models import Attachment

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class PresignedRequest:
    method: str
    url: str
    expires_at: datetime
    headers: dict[str, str] = field(default_factory=dict)


def safe_filename(filename: str) -> str:
    """A key-safe file name: ``"Relatório final (v2).pdf"`` → ``"Relatorio-final-v2-.pdf"``."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("-", ascii_name).strip("-.")[-100:].lstrip("-.")
    return cleaned or "file"


def object_key(poc_id: uuid.UUID, attachment_id: uuid.UUID, filename: str) -> str:
    """The attachment's final key: written only by the service, never through a client URL."""
    return f"pocs/{poc_id}/{attachment_id}/{safe_filename(filename)}"


def upload_key(poc_id: uuid.UUID, attachment_id: uuid.UUID) -> str:
    """Where the client's presigned PUT writes; copied to ``object_key`` once verified.

    Under the POC's prefix (the purge removes it with the rest), beside the
    final key rather than under it.
    """
    return f"pocs/{poc_id}/{attachment_id}.upload"


def presigned_upload(tenant_id: uuid.UUID | str, attachment: Attachment) -> PresignedRequest:
    """A PUT the client sends the bytes with; the Content-Type header is part of the signature.

    It writes the upload key only (the final key is never presigned for writing),
    and it lives ``ATTACHMENT_UPLOAD_URL_SECONDS``.
    """
    bucket = ensure_bucket(tenant_id)
    seconds = settings.ATTACHMENT_UPLOAD_URL_SECONDS
    url = s3_client().generate_presigned_url(
        "put_object",
        Params={
            "Bucket": bucket,
            "Key": attachment.upload_key or attachment.key,
            "ContentType": attachment.content_type,
        },
        ExpiresIn=seconds,
    )
    return PresignedRequest(
        method="PUT",
        url=url,
        expires_at=timezone.now() + timedelta(seconds=seconds),
        headers={"Content-Type": attachment.content_type},
    )


def presigned_download(tenant_id: uuid.UUID | str, attachment: Attachment) -> PresignedRequest:
    seconds = settings.ATTACHMENT_DOWNLOAD_URL_SECONDS
    ascii_name = safe_filename(attachment.filename)
    url = s3_client().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": bucket_name(tenant_id),
            "Key": attachment.key,
            "ResponseContentType": attachment.content_type,
            "ResponseContentDisposition": f'attachment; filename="{ascii_name}"',
        },
        ExpiresIn=seconds,
    )
    return PresignedRequest(
        method="GET", url=url, expires_at=timezone.now() + timedelta(seconds=seconds)
    )


def stored_size(tenant_id: uuid.UUID | str, key: str) -> int | None:
    """The object's size in bytes, or None when it is not there."""
    try:
        head = s3_client().head_object(Bucket=bucket_name(tenant_id), Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {
            "404",
            "NoSuchKey",
            "NotFound",
            "NoSuchBucket",
        }:
            return None
        raise
    return int(head["ContentLength"])


@dataclass(frozen=True)
class StoredObject:
    """What S3 holds under a key, as read back: size, type and SHA-256 of the bytes."""

    size: int
    content_type: str
    sha256: str


def copy_object(tenant_id: uuid.UUID | str, *, source: str, target: str) -> None:
    """Copy an object inside the organization's bucket (server side, metadata kept)."""
    bucket = bucket_name(tenant_id)
    s3_client().copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": source})


def read_stored(tenant_id: uuid.UUID | str, key: str, *, max_bytes: int) -> StoredObject | None:
    """Read the object back and hash it; None when it is not there.

    Reading stops after ``max_bytes + 1`` bytes: the size then says "too large"
    without streaming an arbitrarily large object.
    """
    try:
        response = s3_client().get_object(Bucket=bucket_name(tenant_id), Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise
    digest = hashlib.sha256()
    size = 0
    body = response["Body"]
    try:
        for chunk in body.iter_chunks(chunk_size=1024 * 1024):
            size += len(chunk)
            if size > max_bytes:
                break
            digest.update(chunk)
    finally:
        body.close()
    return StoredObject(
        size=max(size, int(response.get("ContentLength", size))),
        content_type=str(response.get("ContentType", "")).split(";")[0].strip().lower(),
        sha256=digest.hexdigest(),
    )


def delete_object(tenant_id: uuid.UUID | str, key: str) -> None:
    s3_client().delete_object(Bucket=bucket_name(tenant_id), Key=key)


def poc_prefix(poc_id: uuid.UUID) -> str:
    """Where every object of one POC lives (``object_key`` puts them there)."""
    return f"pocs/{poc_id}/"


def keys_under(tenant_id: uuid.UUID | str, prefix: str) -> list[str]:
    """Keys of the organization's objects under ``prefix``; none when the bucket does not exist."""
    keys: list[str] = []
    try:
        pages = s3_client().get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=bucket_name(tenant_id), Prefix=prefix):
            keys += [item["Key"] for item in page.get("Contents", [])]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"NoSuchBucket", "404", "NotFound"}:
            return []
        raise
    return keys


def delete_under(tenant_id: uuid.UUID | str, prefix: str) -> int:
    """Delete every object under ``prefix``; returns how many there were."""
    keys = keys_under(tenant_id, prefix)
    for key in keys:
        delete_object(tenant_id, key)
    return len(keys)
