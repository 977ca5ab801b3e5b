"""Search: an Amazon OpenSearch Service domain in the VPC, zone-aware over three zones.

Fine-grained access control is on with the internal user database: pocs'
client speaks plain HTTPS with basic authentication (the user and password
in its ``OPENSEARCH_URL``, from Secrets Manager), so the domain's resource
policy admits any principal *inside the VPC* and fine-grained access decides.
The first deploy creates the ``pocs`` user and maps it, together with pocs'
IAM role as a backend role, to a role limited to the ``pocs*`` indices
(docs/deploy-aws.md). The L1 resource is used because the L2 construct sets
access policies and log permissions through a Lambda-backed custom resource.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_opensearchservice as opensearch
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from .common import customer_key, encrypted_log_group
from .config import StageConfig
from .nag import acknowledge

ENGINE_VERSION = "OpenSearch_2.19"


def domain_name(stage: str) -> str:
    return f"pocdex-{stage}"


class SearchStack(Stack):
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
        s = config.search
        key = customer_key(
            self, "SearchKey", f"pocdex {config.name}: OpenSearch at rest and its secrets"
        )
        self.key = key
        self.master_secret = secretsmanager.Secret(
            self,
            "MasterUser",
            secret_name=f"pocdex/{config.name}/opensearch/master",
            description="OpenSearch fine-grained access control master user (operators only)",
            encryption_key=key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template='{"username": "pocdex-admin"}',  # noqa: S106 (a user name)
                generate_string_key="password",
                password_length=40,
                require_each_included_type=True,
                exclude_characters="\"'\\/@:",
            ),
        )
        self.pocs_secret = secretsmanager.Secret(
            self,
            "PocsUser",
            secret_name=f"pocdex/{config.name}/opensearch/pocs",
            description="OpenSearch internal user of the pocs service (its OPENSEARCH_URL credentials)",
            encryption_key=key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template='{"username": "pocs"}',  # noqa: S106 (a user name)
                generate_string_key="password",
                password_length=40,
                require_each_included_type=True,
                exclude_characters="\"'\\/@:%#?&+ ",
            ),
        )
        for secret in (self.master_secret, self.pocs_secret):
            acknowledge(
                secret,
                "AwsSolutions-SMG4",
                "OpenSearch internal users' passwords are changed through the security API, which a rotation Lambda would call; the platform runs no Lambda, so operators rotate them by the documented procedure.",
            )
        self.security_group = ec2.SecurityGroup(
            self,
            "SearchSg",
            vpc=vpc,
            description="OpenSearch HTTPS from the EKS workloads",
            allow_all_outbound=False,
        )
        self.security_group.add_ingress_rule(
            workloads_sg, ec2.Port.tcp(443), "HTTPS from the workloads"
        )
        log_groups = {
            kind: encrypted_log_group(
                self,
                f"{kind.title().replace('_', '')}Logs",
                f"/pocdex/{config.name}/opensearch/{kind.lower()}",
                config,
                key,
            )
            for kind in ("SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS", "ES_APPLICATION_LOGS", "AUDIT_LOGS")
        }
        logs.CfnResourcePolicy(
            self,
            "LogsResourcePolicy",
            policy_name=f"pocdex-{config.name}-opensearch-logs",
            policy_document=self.to_json_string(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "es.amazonaws.com"},
                            "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
                            "Resource": [
                                f"{group.log_group_arn}:*" for group in log_groups.values()
                            ],
                            "Condition": {"StringEquals": {"aws:SourceAccount": self.account}},
                        }
                    ],
                }
            ),
        )
        name = domain_name(config.name)
        private = vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        self.domain = opensearch.CfnDomain(
            self,
            "Domain",
            domain_name=name,
            engine_version=ENGINE_VERSION,
            cluster_config=opensearch.CfnDomain.ClusterConfigProperty(
                instance_type=s["data_instance_type"],
                instance_count=s["data_instance_count"],
                zone_awareness_enabled=True,
                zone_awareness_config=opensearch.CfnDomain.ZoneAwarenessConfigProperty(
                    availability_zone_count=3
                ),
                dedicated_master_enabled=s["dedicated_master"],
                dedicated_master_type=s["master_instance_type"] if s["dedicated_master"] else None,
                dedicated_master_count=3 if s["dedicated_master"] else None,
            ),
            ebs_options=opensearch.CfnDomain.EBSOptionsProperty(
                ebs_enabled=True, volume_type="gp3", volume_size=s["volume_gb"]
            ),
            vpc_options=opensearch.CfnDomain.VPCOptionsProperty(
                subnet_ids=private.subnet_ids,
                security_group_ids=[self.security_group.security_group_id],
            ),
            encryption_at_rest_options=opensearch.CfnDomain.EncryptionAtRestOptionsProperty(
                enabled=True, kms_key_id=key.key_id
            ),
            node_to_node_encryption_options=opensearch.CfnDomain.NodeToNodeEncryptionOptionsProperty(
                enabled=True
            ),
            domain_endpoint_options=opensearch.CfnDomain.DomainEndpointOptionsProperty(
                enforce_https=True, tls_security_policy="Policy-Min-TLS-1-2-PFS-2023-10"
            ),
            advanced_security_options=opensearch.CfnDomain.AdvancedSecurityOptionsInputProperty(
                enabled=True,
                internal_user_database_enabled=True,
                master_user_options=opensearch.CfnDomain.MasterUserOptionsProperty(
                    master_user_name=self.master_secret.secret_value_from_json(
                        "username"
                    ).unsafe_unwrap(),
                    master_user_password=self.master_secret.secret_value_from_json(
                        "password"
                    ).unsafe_unwrap(),
                ),
            ),
            access_policies={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": "es:ESHttp*",
                        "Resource": f"arn:{self.partition}:es:{self.region}:{self.account}:domain/{name}/*",
                    }
                ],
            },
            log_publishing_options={
                kind: opensearch.CfnDomain.LogPublishingOptionProperty(
                    cloud_watch_logs_log_group_arn=group.log_group_arn, enabled=True
                )
                for kind, group in log_groups.items()
            },
            software_update_options=opensearch.CfnDomain.SoftwareUpdateOptionsProperty(
                auto_software_update_enabled=True
            ),
        )
        self.domain.node.add_dependency(self.node.find_child("LogsResourcePolicy"))
        acknowledge(
            self.domain,
            "AwsSolutions-OS3",
            "The domain lives in isolated subnets behind a security group that admits only the EKS workloads; an IP allow list adds nothing there.",
        )
        acknowledge(
            self.domain,
            "AwsSolutions-OS5",
            "Fine-grained access control with the internal user database decides every request (pocs authenticates as its own user); the resource policy is open only inside the VPC, as AWS documents for fine-grained access.",
        )
        if not s["dedicated_master"]:
            acknowledge(
                self.domain,
                "AwsSolutions-OS4",
                "Staging's three small data nodes need no dedicated masters; prod has three.",
            )
        self.endpoint = self.domain.attr_domain_endpoint
        self.domain_arn = self.domain.attr_arn
        CfnOutput(
            self,
            "Endpoint",
            value=self.domain.attr_domain_endpoint,
            description="host of pocs' OPENSEARCH_URL (https://pocs:<password>@<host>)",
        )
        CfnOutput(self, "PocsUserSecret", value=self.pocs_secret.secret_arn)
