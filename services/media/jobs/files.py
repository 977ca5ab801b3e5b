"""Where a job's files live, and short-lived links to them.

Keys are derived from the job id and the format only, so a retried or
redelivered job overwrites the same objects instead of adding new ones.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from pocdex_shared.cloudfront import signed_url, tenant_path
from pocdex_shared.storage import bucket_name, ensure_bucket, s3_client

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "mp4": "video/mp4",
    "thumbnail": "image/jpeg",
}


def report_key(job_id: uuid.UUID | str, file_format: str) -> str:
    return f"media/reports/{job_id}/report.{file_format}"


def video_key(job_id: uuid.UUID | str, video_format: str) -> str:
    return f"media/videos/{job_id}/video-{video_format}.mp4"


def thumbnail_key(job_id: uuid.UUID | str) -> str:
    return f"media/videos/{job_id}/thumbnail.jpg"


def upload(
    *, tenant_id: uuid.UUID | str, key: str, path: Path, content_type: str, filename: str
) -> dict[str, Any]:
    """Put ``path`` at ``key`` in the organization's bucket (overwriting); returns its record."""
    bucket = ensure_bucket(tenant_id)
    with path.open("rb") as body:
        s3_client().put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            ContentDisposition=f'attachment; filename="{filename}"',
        )
    return {
        "key": key,
        "content_type": content_type,
        "size": path.stat().st_size,
        "filename": filename,
    }


def download_url(
    *, tenant_id: uuid.UUID | str, record: dict[str, Any], now: datetime | None = None
) -> str:
    """A link to one of the organization's files that expires after MEDIA_DOWNLOAD_URL_SECONDS.

    Through CloudFront (a signed URL) when ``MEDIA_CLOUDFRONT`` is configured,
    else a presigned S3 URL. Either way the link names the caller's own
    organization, and only media's files.
    """
    key = str(record["key"])
    if not key.startswith("media/"):
        raise ValueError("only media's own files have download links")
    signing = getattr(settings, "MEDIA_CLOUDFRONT", None)
    if signing is not None:
        expires_at = (now or timezone.now()) + timedelta(
            seconds=settings.MEDIA_DOWNLOAD_URL_SECONDS
        )
        return signed_url(signing, tenant_path(uuid.UUID(str(tenant_id)).hex, key), expires_at)
    return str(
        s3_client().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": bucket_name(tenant_id),
                "Key": record["key"],
                "ResponseContentDisposition": f'attachment; filename="{record["filename"]}"',
            },
            ExpiresIn=settings.MEDIA_DOWNLOAD_URL_SECONDS,
        )
    )
