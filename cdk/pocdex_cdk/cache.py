"""Cache and channel layer: one Valkey (Redis-compatible) replication group over three zones.

The services' caches, throttle windows, token deny list and the dojo's
channel layer use it (``rediss://`` URLs: TLS in transit). The auth token is a
Secrets Manager secret resolved by CloudFormation at deploy time.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from .common import customer_key, encrypted_log_group
from .config import StageConfig
from .nag import acknowledge

PORT = 6379


class CacheStack(Stack):
    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        config: StageConfig,
        vpc: ec2.IVpc,
        workloads_sg: ec2.ISecurityGroup,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, cid, **kwargs)
        key = customer_key(
            self, "CacheKey", f"pocdex {config.name}: ElastiCache at rest and its auth token"
        )
        self.key = key
        self.auth_token = secretsmanager.Secret(
            self,
            "AuthToken",
            secret_name=f"pocdex/{config.name}/cache/auth-token",
            description="ElastiCache auth token (the password in the services' rediss:// URLs)",
            encryption_key=key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=64
            ),
        )
        acknowledge(
            self.auth_token,
            "AwsSolutions-SMG4",
            "Rotating the ElastiCache auth token takes a Lambda, which the platform does not run; it is rotated by the documented procedure (docs/deploy-aws.md) with the ROTATE auth-token strategy.",
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "CacheSg",
            vpc=vpc,
            description="Valkey from the EKS workloads",
            allow_all_outbound=False,
        )
        self.security_group.add_ingress_rule(
            workloads_sg, ec2.Port.tcp(PORT), "Valkey from the workloads"
        )
        subnets = elasticache.CfnSubnetGroup(
            self,
            "SubnetGroup",
            description=f"pocdex {config.name}: isolated subnets in three zones",
            subnet_ids=vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).subnet_ids,
        )
        slow_log = encrypted_log_group(
            self, "SlowLog", f"/pocdex/{config.name}/cache/slow-log", config, key
        )
        replicas = config.cache["replicas_per_shard"]
        self.replication_group = elasticache.CfnReplicationGroup(
            self,
            "Valkey",
            replication_group_id=f"pocdex-{config.name}",
            replication_group_description=f"pocdex {config.name}: caches, throttles, deny list, dojo channel layer",
            engine="valkey",
            engine_version="8.0",
            cache_node_type=config.cache["node_type"],
            num_cache_clusters=replicas + 1,
            preferred_cache_cluster_a_zs=list(config.availability_zones)[: replicas + 1],
            multi_az_enabled=True,
            automatic_failover_enabled=True,
            transit_encryption_enabled=True,
            at_rest_encryption_enabled=True,
            kms_key_id=key.key_arn,
            auth_token=self.auth_token.secret_value.unsafe_unwrap(),
            port=PORT,
            cache_subnet_group_name=subnets.ref,
            security_group_ids=[self.security_group.security_group_id],
            snapshot_retention_limit=7,
            snapshot_window="04:00-05:00",
            preferred_maintenance_window="sun:07:30-sun:08:30",
            auto_minor_version_upgrade=True,
            log_delivery_configurations=[
                elasticache.CfnReplicationGroup.LogDeliveryConfigurationRequestProperty(
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type="slow-log",
                    destination_details=elasticache.CfnReplicationGroup.DestinationDetailsProperty(
                        cloud_watch_logs_details=elasticache.CfnReplicationGroup.CloudWatchLogsDestinationDetailsProperty(
                            log_group=slow_log.log_group_name
                        )
                    ),
                )
            ],
        )
        acknowledge(
            self.replication_group,
            "AwsSolutions-AEC5",
            "6379 is what every Redis client library defaults to; the security group admits only the EKS workloads.",
        )
        CfnOutput(
            self,
            "PrimaryEndpoint",
            value=self.replication_group.attr_primary_end_point_address,
            description="host of the rediss:// URLs (REDIS_URL, CACHE_URL, CHANNEL_REDIS_URL)",
        )
        CfnOutput(self, "AuthTokenSecret", value=self.auth_token.secret_arn)
