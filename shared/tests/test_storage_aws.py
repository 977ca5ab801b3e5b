"""The tenant bucket's AWS configuration and its removal, against moto's S3 server.

s3proxy (the local S3) answers NotImplemented to PutBucketEncryption,
PutPublicAccessBlock, PutBucketTagging and PutBucketPolicy, so these tests
start their own moto server and point the storage module at it. What S3 holds
is read back through the same API.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.test import override_settings

from pocdex_shared.storage import (
    bucket_name,
    delete_bucket_if_empty,
    ensure_bucket,
    purge_prefix,
    s3_client,
)
from pocdex_shared.testing.moto import moto_server

DISTRIBUTION = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def aws(moto_url: str) -> Iterator[None]:
    with override_settings(
        S3_ENDPOINT_URL=moto_url,
        S3_REGION="sa-east-1",
        S3_BUCKET_PREFIX="pocdex-prod-t-",
        S3_BUCKET_HARDENING=True,
        S3_KMS_KEY_ID="",
        S3_CLOUDFRONT_DISTRIBUTION_ARN="",
        POCDEX_SERVICE="media",
        POCDEX_STAGE="prod",
    ):
        yield


def _error(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return str(caught.value.response["Error"]["Code"])


def test_a_new_bucket_is_encrypted_private_tagged_and_refuses_plain_http(aws: None) -> None:
    tenant = uuid.uuid4()
    name = ensure_bucket(tenant)
    client = s3_client()

    assert client.get_bucket_location(Bucket=name)["LocationConstraint"] == "sa-east-1"
    rules = client.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    block = client.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    tags = {t["Key"]: t["Value"] for t in client.get_bucket_tagging(Bucket=name)["TagSet"]}
    assert tags == {"pocdex:tenant": str(tenant), "pocdex:service": "media", "pocdex:stage": "prod"}
    policy = json.loads(client.get_bucket_policy(Bucket=name)["Policy"])
    [deny] = policy["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert sorted(deny["Resource"]) == [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]
    # moto evaluates bucket policies: this test's server speaks plain HTTP, so it refuses.
    assert _error(client.put_object, Bucket=name, Key="media/x", Body=b"x") in {
        "403",
        "AccessDenied",
    }


def test_a_kms_key_and_a_distribution_are_used_when_configured(aws: None) -> None:
    key = "arn:aws:kms:sa-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    with override_settings(S3_KMS_KEY_ID=key, S3_CLOUDFRONT_DISTRIBUTION_ARN=DISTRIBUTION):
        name = ensure_bucket(uuid.uuid4())
        client = s3_client()
        [rule] = client.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"][
            "Rules"
        ]
        policy = json.loads(client.get_bucket_policy(Bucket=name)["Policy"])

    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key,
    }
    assert rule["BucketKeyEnabled"] is True
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert set(statements) == {"DenyInsecureTransport", "CloudFrontReadsMedia"}
    cloudfront = statements["CloudFrontReadsMedia"]
    assert cloudfront["Effect"] == "Allow"
    assert cloudfront["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert cloudfront["Action"] == "s3:GetObject"
    # Only media's prefix, never pocs' attachments, and only for that distribution.
    assert cloudfront["Resource"] == f"arn:aws:s3:::{name}/media/*"
    assert cloudfront["Condition"] == {"StringEquals": {"AWS:SourceArn": DISTRIBUTION}}


def test_a_bucket_found_without_the_configuration_gets_it(
    aws: None,
) -> None:
    tenant = uuid.uuid4()
    client = s3_client()
    name = bucket_name(tenant)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "sa-east-1"})
    assert _error(client.get_bucket_policy, Bucket=name) == "NoSuchBucketPolicy"

    with override_settings(POCDEX_SERVICE="pocs"):
        assert ensure_bucket(tenant) == name
        tags = {t["Key"]: t["Value"] for t in client.get_bucket_tagging(Bucket=name)["TagSet"]}
    assert tags["pocdex:tenant"] == str(tenant)
    assert json.loads(client.get_bucket_policy(Bucket=name)["Policy"])["Statement"]


@override_settings(S3_BUCKET_HARDENING=False)  # its policy refuses this server's plain HTTP
def test_purge_empties_a_prefix_and_the_last_service_deletes_the_bucket(aws: None) -> None:
    tenant, other = uuid.uuid4(), uuid.uuid4()
    name, other_name = ensure_bucket(tenant), ensure_bucket(other)
    client = s3_client()
    for index in range(5):
        client.put_object(Bucket=name, Key=f"media/reports/{index}/report.pdf", Body=b"%PDF")
    client.put_object(Bucket=name, Key="pocs/attachment", Body=b"kept until pocs purges")
    client.put_object(Bucket=other_name, Key="media/reports/x/report.pdf", Body=b"other tenant")

    # Pages of two: the purge follows the listing to its end.
    assert purge_prefix(tenant, "media/", page_size=2) == 5
    assert delete_bucket_if_empty(tenant) is False  # pocs' file is still there
    assert [o["Key"] for o in client.list_objects_v2(Bucket=name)["Contents"]] == [
        "pocs/attachment"
    ]

    assert purge_prefix(tenant, "pocs/") == 1
    assert delete_bucket_if_empty(tenant) is True
    assert _error(client.head_bucket, Bucket=name) == "404"
    # Gone already: both calls are no-ops that still report the outcome.
    assert purge_prefix(tenant, "media/") == 0
    assert delete_bucket_if_empty(tenant) is True
    # Another organization's bucket and files are untouched.
    assert client.get_object(Bucket=other_name, Key="media/reports/x/report.pdf")[
        "Body"
    ].read() == (b"other tenant")


def test_a_purge_prefix_must_be_a_folder(aws: None) -> None:
    with pytest.raises(ValueError, match="ends with '/'"):
        purge_prefix(uuid.uuid4(), "media")
