"""Data: one RDS for PostgreSQL Multi-AZ instance per service, in the isolated subnets.

Each instance's master password is managed by RDS in Secrets Manager
(``ManageMasterUserPassword``): RDS creates the secret, encrypts it with the
stage's database key and rotates it every seven days itself, with no rotation
Lambda. L1 resources are used on purpose: the L2 construct would generate a
secret of its own and attach a Lambda-based rotation to it.
"""

from __future__ import annotations

from aws_cdk import CfnDeletionPolicy, CfnOutput, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rds as rds
from constructs import Construct

from .common import customer_key
from .config import StageConfig
from .nag import acknowledge
from .platform import SERVICES

#: A supported RDS for PostgreSQL version (and its parameter group family).
POSTGRES_VERSION = "17.6"
POSTGRES_FAMILY = "postgres17"
PORT = 5432


def db_identifier(stage: str, service: str) -> str:
    return f"pocdex-{stage}-{service}"


class DataStack(Stack):
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
        db = config.databases
        self.key = customer_key(
            self, "DatabaseKey", f"pocdex {config.name}: RDS storage, secrets, Performance Insights"
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "DatabaseSg",
            vpc=vpc,
            description="PostgreSQL from the EKS workloads",
            allow_all_outbound=False,
        )
        self.security_group.add_ingress_rule(
            workloads_sg, ec2.Port.tcp(PORT), "PostgreSQL from the workloads"
        )
        subnets = vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        subnet_group = rds.CfnDBSubnetGroup(
            self,
            "SubnetGroup",
            db_subnet_group_description=f"pocdex {config.name}: isolated subnets in three zones",
            subnet_ids=subnets.subnet_ids,
        )
        parameters = rds.CfnDBParameterGroup(
            self,
            "Parameters",
            description=f"pocdex {config.name}: PostgreSQL for the Django services",
            family=POSTGRES_FAMILY,
            parameters={
                # Pods x (gunicorn workers x threads, or the dojo pool) + workers + migrations.
                "max_connections": str(db["max_connections"]),
                "rds.force_ssl": "1",
                "log_min_duration_statement": "500",
                "log_lock_waits": "1",
                "idle_in_transaction_session_timeout": "60000",
                "shared_preload_libraries": "pg_stat_statements",
            },
        )
        monitoring_role = iam.Role(
            self,
            "EnhancedMonitoringRole",
            assumed_by=iam.ServicePrincipal("monitoring.rds.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonRDSEnhancedMonitoringRole"
                )
            ],
        )
        acknowledge(
            monitoring_role,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]",
            "The AWS managed policy is the documented, minimal policy for RDS enhanced monitoring.",
        )
        self.instances: dict[str, rds.CfnDBInstance] = {}
        for service in SERVICES:
            instance = rds.CfnDBInstance(
                self,
                f"{service.capitalize()}Db",
                db_instance_identifier=db_identifier(config.name, service),
                engine="postgres",
                engine_version=POSTGRES_VERSION,
                db_instance_class=db["instance_class"],
                db_name=service,
                master_username="pocdex",
                manage_master_user_password=True,
                master_user_secret=rds.CfnDBInstance.MasterUserSecretProperty(
                    kms_key_id=self.key.key_arn
                ),
                multi_az=True,
                port=str(PORT),
                db_subnet_group_name=subnet_group.ref,
                vpc_security_groups=[self.security_group.security_group_id],
                publicly_accessible=False,
                db_parameter_group_name=parameters.ref,
                storage_type="gp3",
                allocated_storage=str(db["allocated_storage_gb"]),
                max_allocated_storage=db["max_allocated_storage_gb"],
                storage_encrypted=True,
                kms_key_id=self.key.key_arn,
                backup_retention_period=db["backup_retention_days"],
                preferred_backup_window="05:00-06:00",
                preferred_maintenance_window="sun:06:30-sun:07:30",
                copy_tags_to_snapshot=True,
                deletion_protection=db["deletion_protection"],
                auto_minor_version_upgrade=True,
                enable_iam_database_authentication=True,
                enable_performance_insights=True,
                performance_insights_kms_key_id=self.key.key_arn,
                performance_insights_retention_period=7,
                monitoring_interval=60,
                monitoring_role_arn=monitoring_role.role_arn,
                enable_cloudwatch_logs_exports=["postgresql", "upgrade"],
            )
            policy = CfnDeletionPolicy.SNAPSHOT
            instance.cfn_options.deletion_policy = policy
            instance.cfn_options.update_replace_policy = policy
            if not db["deletion_protection"]:
                acknowledge(
                    instance,
                    "AwsSolutions-RDS10",
                    "Staging is torn down and rebuilt; it has no deletion protection, and a final snapshot is still taken (DeletionPolicy Snapshot).",
                )
            acknowledge(
                instance,
                "AwsSolutions-RDS11",
                "The services' DATABASE_URL names the port; the security group admits only the EKS workloads, so a non-default port adds nothing.",
            )
            self.instances[service] = instance
            CfnOutput(
                self,
                f"{service.capitalize()}Endpoint",
                value=instance.attr_endpoint_address,
                description=f"host of DATABASE_URL_{service.upper()}",
            )
            CfnOutput(
                self,
                f"{service.capitalize()}Secret",
                value=instance.attr_master_user_secret_secret_arn,
                description=f"RDS-managed secret with the {service} database's user and password",
            )
