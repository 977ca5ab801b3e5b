"""Acknowledging a cdk-nag finding always carries its reason, next to the resource it concerns."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one AwsSolutions finding (``AwsSolutions-IAM5[Resource::*]`` style) on ``construct``."""
    if not reason.strip():
        raise ValueError(f"{rule}: an acknowledgement needs its reason")
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))
