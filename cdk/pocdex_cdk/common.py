"""Small building blocks every component uses: encrypted log groups, customer keys, tags."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from .config import StageConfig


def retention(days: int) -> logs.RetentionDays:
    known = {
        7: logs.RetentionDays.ONE_WEEK,
        14: logs.RetentionDays.TWO_WEEKS,
        30: logs.RetentionDays.ONE_MONTH,
        90: logs.RetentionDays.THREE_MONTHS,
        180: logs.RetentionDays.SIX_MONTHS,
        365: logs.RetentionDays.ONE_YEAR,
    }
    if days in known:
        return known[days]
    raise ValueError(f"{days} is not a CloudWatch Logs retention")


def customer_key(scope: Construct, cid: str, description: str) -> kms.Key:
    """A customer managed KMS key with yearly rotation, kept when its stack goes."""
    return kms.Key(
        scope,
        cid,
        description=description,
        enable_key_rotation=True,
        removal_policy=RemovalPolicy.RETAIN,
    )


def encrypted_log_group(
    scope: Construct, cid: str, name: str, config: StageConfig, key: kms.Key | None = None
) -> logs.LogGroup:
    """A log group with the stage's retention, encrypted with a key of its own (or ``key``)."""
    stack = Stack.of(scope)
    if key is None:
        key = customer_key(scope, f"{cid}Key", f"pocdex {config.name}: log group {name}")
    key.grant_encrypt_decrypt(iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com"))
    return logs.LogGroup(
        scope,
        cid,
        log_group_name=name,
        retention=retention(config.log_retention_days),
        encryption_key=key,
        removal_policy=RemovalPolicy.RETAIN,
    )
