"""What the services' AWS wiring needs from the stacks: pinned add-ons, bucket rights, outputs."""

from __future__ import annotations

import re

import pytest
from pocdex_cdk.config import load

from . import checks

STAGES = {"PocdexStaging": "staging", "PocdexProd": "prod"}
ADDONS = {"vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver", "eks-pod-identity-agent"}
VERSION = re.compile(r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")

# The calls pocdex_shared.storage makes on a tenant bucket (ensure_bucket,
# configure_bucket, delete_bucket_if_empty), as IAM actions.
BUCKET_ACTIONS = {
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:ListBucket",
    "s3:GetBucketTagging",
    "s3:PutBucketTagging",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutEncryptionConfiguration",
}


@pytest.mark.parametrize("stage", STAGES)
def test_every_eks_addon_is_pinned_to_the_stage_config(templates, stage) -> None:
    cluster = load(STAGES[stage]).cluster
    pinned = cluster["addon_versions"]
    addons = {
        body["Properties"]["AddonName"]: body["Properties"].get("AddonVersion")
        for body in checks.resources(templates[stage]["compute"], "AWS::EKS::Addon").values()
    }
    assert set(addons) == ADDONS
    assert addons == pinned
    assert all(VERSION.match(version) for version in addons.values()), addons
    # kube-proxy must run the cluster's own minor version.
    minor = cluster["kubernetes_version"]
    assert addons["kube-proxy"].startswith(f"v{minor}."), (addons["kube-proxy"], minor)


@pytest.mark.parametrize("stage", STAGES)
def test_every_service_may_configure_and_delete_tenant_buckets(templates, stage) -> None:
    policies = checks.resources(templates[stage]["compute"], "AWS::IAM::Policy")
    granted: dict[str, set[str]] = {}
    for name, body in policies.items():
        for statement in body["Properties"]["PolicyDocument"]["Statement"]:
            if statement.get("Sid") == "TenantBuckets":
                actions = statement["Action"]
                granted[name] = set([actions] if isinstance(actions, str) else actions)
    # every service: each purges its own prefixes and the last one deletes the bucket
    # (pocdex_shared.lgpd.purge_locally); objects stay per service (test_footprint)
    assert len(granted) == 4, sorted(granted)
    for name, actions in granted.items():
        assert actions == BUCKET_ACTIONS, name


@pytest.mark.parametrize("stage", STAGES)
def test_the_storage_stack_outputs_what_media_signs_with(templates, stage) -> None:
    outputs = templates[stage]["storage"].to_json()["Outputs"]
    assert "MediaSigningKeyId" in outputs
    arn = outputs["MediaDistributionArn"]["Value"]
    assert "cloudfront::" in str(arn) and "distribution/" in str(arn)
