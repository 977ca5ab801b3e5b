"""One bucket per organization on the real S3-compatible server (s3proxy)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError
from django.conf import settings

from pocdex_shared.storage import bucket_name, ensure_bucket, s3_client


@pytest.fixture
def tenant_id() -> Iterator[uuid.UUID]:
    value = uuid.uuid4()
    yield value
    client = s3_client()
    with contextlib.suppress(ClientError):
        client.delete_bucket(Bucket=bucket_name(value))


def test_the_bucket_name_is_derived_from_the_organization_id(tenant_id: uuid.UUID) -> None:
    name = bucket_name(tenant_id)
    assert name == settings.S3_BUCKET_PREFIX + tenant_id.hex
    assert bucket_name(str(tenant_id)) == name
    assert len(name) <= 63


def test_ensure_bucket_creates_it_once(tenant_id: uuid.UUID) -> None:
    client = s3_client()
    name = ensure_bucket(tenant_id)

    client.head_bucket(Bucket=name)  # raises if missing
    assert ensure_bucket(tenant_id) == name
    assert [b["Name"] for b in client.list_buckets()["Buckets"]].count(name) == 1
