"""The infrastructure's rules as functions over a synthesized template: each returns what breaks it.

The tests run them on every stage's templates (expecting nothing) and on
deliberately broken stacks (expecting the breach to be reported), so a
check that cannot fail would show.
"""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template


def resources(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    return dict(template.find_resources(kind))


def lambda_violations(template: Template) -> list[str]:
    """Lambda functions, and custom resources (they are backed by one)."""
    found = []
    for name, body in template.to_json().get("Resources", {}).items():
        kind = body["Type"]
        if kind.startswith("AWS::Lambda::") or kind.startswith("AWS::Serverless::"):
            found.append(f"{name}: {kind}")
        elif kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
            found.append(f"{name}: custom resource {kind}")
        elif "ServiceToken" in body.get("Properties", {}):
            found.append(f"{name}: has a ServiceToken")
    return found


def queues_without_dead_letter(template: Template) -> list[str]:
    """Queues that are neither a dead-letter queue nor send to one."""
    queues = resources(template, "AWS::SQS::Queue")
    targets = set()
    for body in queues.values():
        policy = body.get("Properties", {}).get("RedrivePolicy")
        if policy:
            targets.add(policy["deadLetterTargetArn"]["Fn::GetAtt"][0])
    return [
        body["Properties"].get("QueueName", name)
        for name, body in queues.items()
        if name not in targets and "RedrivePolicy" not in body.get("Properties", {})
    ]


def unencrypted(template: Template) -> list[str]:
    """Storage and messaging resources without encryption at rest (or in transit where it applies)."""
    bad = []
    for name, body in resources(template, "AWS::RDS::DBInstance").items():
        if not body["Properties"].get("StorageEncrypted") or "KmsKeyId" not in body["Properties"]:
            bad.append(name)
    for name, body in resources(template, "AWS::ElastiCache::ReplicationGroup").items():
        p = body["Properties"]
        if not (p.get("AtRestEncryptionEnabled") and p.get("TransitEncryptionEnabled")):
            bad.append(name)
    for name, body in resources(template, "AWS::OpenSearchService::Domain").items():
        p = body["Properties"]
        if not (
            p.get("EncryptionAtRestOptions", {}).get("Enabled")
            and p.get("NodeToNodeEncryptionOptions", {}).get("Enabled")
            and p.get("DomainEndpointOptions", {}).get("EnforceHTTPS")
        ):
            bad.append(name)
    for name, body in resources(template, "AWS::SQS::Queue").items():
        if "KmsMasterKeyId" not in body.get("Properties", {}):
            bad.append(name)
    for name, body in resources(template, "AWS::SNS::Topic").items():
        if "KmsMasterKeyId" not in body.get("Properties", {}):
            bad.append(name)
    for name, body in resources(template, "AWS::S3::Bucket").items():
        if "BucketEncryption" not in body.get("Properties", {}):
            bad.append(name)
    for name, body in resources(template, "AWS::Logs::LogGroup").items():
        if "KmsKeyId" not in body.get("Properties", {}):
            bad.append(name)
    for name, body in resources(template, "AWS::SecretsManager::Secret").items():
        if "KmsKeyId" not in body.get("Properties", {}):
            bad.append(name)
    for name, body in resources(template, "AWS::EKS::Cluster").items():
        if not body["Properties"].get("EncryptionConfig"):
            bad.append(name)
    return bad


def not_multi_az(template: Template) -> list[str]:
    bad = [
        name
        for name, body in resources(template, "AWS::RDS::DBInstance").items()
        if body["Properties"].get("MultiAZ") is not True
    ]
    for name, body in resources(template, "AWS::ElastiCache::ReplicationGroup").items():
        p = body["Properties"]
        if not (
            p.get("MultiAZEnabled")
            and p.get("AutomaticFailoverEnabled")
            and len(p.get("PreferredCacheClusterAZs", [])) >= 3
        ):
            bad.append(name)
    for name, body in resources(template, "AWS::OpenSearchService::Domain").items():
        c = body["Properties"]["ClusterConfig"]
        if not (
            c.get("ZoneAwarenessEnabled")
            and c.get("ZoneAwarenessConfig", {}).get("AvailabilityZoneCount") == 3
        ):
            bad.append(name)
    return bad


def without_deletion_protection(template: Template) -> list[str]:
    bad = [
        name
        for name, body in resources(template, "AWS::RDS::DBInstance").items()
        if body["Properties"].get("DeletionProtection") is not True
        or body.get("DeletionPolicy") != "Snapshot"
    ]
    bad += [
        name
        for name, body in resources(template, "AWS::EKS::Cluster").items()
        if body["Properties"].get("DeletionProtection") is not True
    ]
    bad += [
        name
        for name, body in resources(template, "AWS::ElasticLoadBalancingV2::LoadBalancer").items()
        if {"Key": "deletion_protection.enabled", "Value": "true"}
        not in body["Properties"].get("LoadBalancerAttributes", [])
    ]
    return bad
