"""Compute: an EKS cluster from L1 resources only, its node group over three zones, ECR.

No Lambda: CDK's EKS L2 construct deploys a kubectl/Helm provider as Lambda
functions, so the cluster, the node group, the add-ons, the access entries and
the pod identity associations are CloudFormation resources, and the workloads
are installed by Helm from the deploy pipeline.

Each service's pods run as the Kubernetes service account ``pocdex-<service>``
in the ``pocdex`` namespace, bound by EKS Pod Identity to an IAM role of its
own that reaches only that service's queues, secrets and tenant-bucket prefix.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_eks as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .common import customer_key, encrypted_log_group
from .config import StageConfig
from .nag import acknowledge
from .platform import SERVICES, all_queues
from .search import domain_name as search_domain_name

NAMESPACE = "pocdex"
#: Objects each service keeps in a tenant's bucket (pocdex_shared.storage, ADR 0009),
#: plus its part of an LGPD export (``exports/<id>/<service>/``, pocdex_shared.lgpd);
#: accounts assembles the archive from every part and removes them (ADR 0044).
BUCKET_PREFIXES = {
    "accounts": ("exports/",),
    "pocs": ("pocs/", "exports/*/pocs/"),
    "dojo": ("exports/*/dojo/",),
    "media": ("media/", "exports/*/media/"),
}


def cluster_name(stage: str) -> str:
    return f"pocdex-{stage}"


def service_account(service: str) -> str:
    return f"pocdex-{service}"


def _pod_identity_role(scope: Construct, cid: str, description: str) -> iam.Role:
    return iam.Role(
        scope,
        cid,
        description=description,
        assumed_by=iam.ServicePrincipal("pods.eks.amazonaws.com").with_session_tags(),  # type: ignore[arg-type]
    )


def _managed(name: str) -> iam.IManagedPolicy:
    return iam.ManagedPolicy.from_aws_managed_policy_name(name)


def _ack_managed(role: iam.Role, *names: str) -> None:
    for name in names:
        acknowledge(
            role,
            f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{name}]",
            f"{name} is the AWS managed policy EKS documents for this role; AWS keeps it current with the service.",
        )


class ComputeStack(Stack):
    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        config: StageConfig,
        vpc: ec2.IVpc,
        workloads_sg: ec2.ISecurityGroup,
        databases: dict[str, rds.CfnDBInstance],
        database_key_arn: str,
        cache_secret: secretsmanager.ISecret,
        cache_key_arn: str,
        opensearch_pocs_secret: secretsmanager.ISecret,
        opensearch_master_secret: secretsmanager.ISecret,
        search_key_arn: str,
        queues: dict[str, sqs.IQueue],
        dead_letters: dict[str, sqs.IQueue],
        messaging_key_arn: str,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, cid, **kwargs)
        c = config.cluster
        name = cluster_name(config.name)
        key = customer_key(
            self, "ClusterKey", f"pocdex {config.name}: EKS secrets envelope and ECR"
        )
        encrypted_log_group(self, "ControlPlaneLogs", f"/aws/eks/{name}/cluster", config)

        cluster_role = iam.Role(
            self,
            "ClusterRole",
            assumed_by=iam.ServicePrincipal("eks.amazonaws.com"),
            managed_policies=[_managed("AmazonEKSClusterPolicy")],
        )
        cluster_role.assume_role_policy.add_statements(  # type: ignore[union-attr]
            iam.PolicyStatement(
                actions=["sts:TagSession"], principals=[iam.ServicePrincipal("eks.amazonaws.com")]
            )
        )
        _ack_managed(cluster_role, "AmazonEKSClusterPolicy")
        private = vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.cluster = eks.CfnCluster(
            self,
            "Cluster",
            name=name,
            version=c["kubernetes_version"],
            role_arn=cluster_role.role_arn,
            resources_vpc_config=eks.CfnCluster.ResourcesVpcConfigProperty(
                subnet_ids=private.subnet_ids,
                security_group_ids=[workloads_sg.security_group_id],
                endpoint_private_access=True,
                endpoint_public_access=True,
                public_access_cidrs=config.cluster_public_access_cidrs,
            ),
            access_config=eks.CfnCluster.AccessConfigProperty(
                authentication_mode="API", bootstrap_cluster_creator_admin_permissions=False
            ),
            encryption_config=[
                eks.CfnCluster.EncryptionConfigProperty(
                    provider=eks.CfnCluster.ProviderProperty(key_arn=key.key_arn),
                    resources=["secrets"],
                )
            ],
            logging=eks.CfnCluster.LoggingProperty(
                cluster_logging=eks.CfnCluster.ClusterLoggingProperty(
                    enabled_types=[
                        eks.CfnCluster.LoggingTypeConfigProperty(type=t)
                        for t in ("api", "audit", "authenticator", "controllerManager", "scheduler")
                    ]
                )
            ),
            upgrade_policy=eks.CfnCluster.UpgradePolicyProperty(support_type="STANDARD"),
            deletion_protection=config.is_prod,
        )
        self.cluster.node.add_dependency(self.node.find_child("ControlPlaneLogs"))
        cluster_role.add_to_policy(
            iam.PolicyStatement(
                sid="SecretsEnvelope",
                actions=[
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:DescribeKey",
                    "kms:CreateGrant",
                    "kms:ListGrants",
                ],
                resources=[key.key_arn],
            )
        )
        acknowledge(
            self.cluster,
            "AwsSolutions-EKS1",
            "The public endpoint admits only the operators' and the deploy pipeline's address ranges (cluster_public_access_cidrs in the stage config); the nodes use the private endpoint.",
        )

        # Access entries (no aws-auth ConfigMap): the operators and the deploy pipeline.
        for entry_id, principal in (
            ("Operators", config.operator_role_arn),
            ("Deploy", config.deploy_role_arn),
        ):
            eks.CfnAccessEntry(
                self,
                f"{entry_id}Access",
                cluster_name=self.cluster.ref,
                principal_arn=principal,
                type="STANDARD",
                access_policies=[
                    eks.CfnAccessEntry.AccessPolicyProperty(
                        policy_arn=f"arn:{self.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                        access_scope=eks.CfnAccessEntry.AccessScopeProperty(type="cluster"),
                    )
                ],
            )

        # Nodes: one managed node group over the three private subnets, IMDSv2 only.
        node_role = iam.Role(
            self,
            "NodeRole",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            managed_policies=[
                _managed("AmazonEKSWorkerNodePolicy"),
                _managed("AmazonEC2ContainerRegistryPullOnly"),
            ],
        )
        _ack_managed(node_role, "AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly")
        launch_template = ec2.CfnLaunchTemplate(
            self,
            "NodeTemplate",
            launch_template_data=ec2.CfnLaunchTemplate.LaunchTemplateDataProperty(
                metadata_options=ec2.CfnLaunchTemplate.MetadataOptionsProperty(
                    http_tokens="required", http_put_response_hop_limit=1, http_endpoint="enabled"
                ),
                block_device_mappings=[
                    ec2.CfnLaunchTemplate.BlockDeviceMappingProperty(
                        device_name="/dev/xvda",
                        ebs=ec2.CfnLaunchTemplate.EbsProperty(
                            volume_size=c["disk_gb"],
                            volume_type="gp3",
                            encrypted=True,
                            delete_on_termination=True,
                        ),
                    )
                ],
                security_group_ids=[
                    workloads_sg.security_group_id,
                    self.cluster.attr_cluster_security_group_id,
                ],
                monitoring=ec2.CfnLaunchTemplate.MonitoringProperty(enabled=True),
            ),
        )
        self.nodegroup = eks.CfnNodegroup(
            self,
            "Nodes",
            cluster_name=self.cluster.ref,
            nodegroup_name=f"{name}-general",
            node_role=node_role.role_arn,
            subnets=private.subnet_ids,
            ami_type=c["ami_type"],
            capacity_type="ON_DEMAND",
            instance_types=c["instance_types"],
            scaling_config=eks.CfnNodegroup.ScalingConfigProperty(
                min_size=c["min_size"], desired_size=c["desired_size"], max_size=c["max_size"]
            ),
            update_config=eks.CfnNodegroup.UpdateConfigProperty(max_unavailable=1),
            launch_template=eks.CfnNodegroup.LaunchTemplateSpecificationProperty(
                id=launch_template.ref, version=launch_template.attr_latest_version_number
            ),
            labels={"pocdex.app/pool": "general"},
        )

        # Add-ons; the CNI and the EBS CSI driver get their AWS permissions through Pod Identity.
        cni_role = _pod_identity_role(self, "CniRole", "VPC CNI (aws-node)")
        cni_role.add_managed_policy(_managed("AmazonEKS_CNI_Policy"))
        _ack_managed(cni_role, "AmazonEKS_CNI_Policy")
        ebs_role = _pod_identity_role(self, "EbsCsiRole", "EBS CSI controller")
        ebs_role.add_managed_policy(_managed("service-role/AmazonEBSCSIDriverPolicy"))
        _ack_managed(ebs_role, "service-role/AmazonEBSCSIDriverPolicy")
        # Versions pinned per stage (config "addon_versions"): an add-on moves only when
        # the stage file says so, never because EKS published a newer default.
        versions = c["addon_versions"]
        pod_identity_agent = eks.CfnAddon(
            self,
            "PodIdentityAgent",
            cluster_name=self.cluster.ref,
            addon_name="eks-pod-identity-agent",
            addon_version=versions["eks-pod-identity-agent"],
            resolve_conflicts="OVERWRITE",
        )
        addons = {
            "vpc-cni": ("aws-node", cni_role),
            "aws-ebs-csi-driver": ("ebs-csi-controller-sa", ebs_role),
        }
        for addon_name, (account, role) in addons.items():
            addon = eks.CfnAddon(
                self,
                addon_name.title().replace("-", ""),
                cluster_name=self.cluster.ref,
                addon_name=addon_name,
                addon_version=versions[addon_name],
                resolve_conflicts="OVERWRITE",
                pod_identity_associations=[
                    eks.CfnAddon.PodIdentityAssociationProperty(
                        service_account=account, role_arn=role.role_arn
                    )
                ],
            )
            addon.add_dependency(pod_identity_agent)
        for addon_name in ("coredns", "kube-proxy"):
            addon = eks.CfnAddon(
                self,
                addon_name.title().replace("-", ""),
                cluster_name=self.cluster.ref,
                addon_name=addon_name,
                addon_version=versions[addon_name],
                resolve_conflicts="OVERWRITE",
            )
            addon.add_dependency(self.nodegroup)

        # ECR: one repository per service, scanned on push, immutable tags.
        self.repositories = {}
        for service in SERVICES:
            self.repositories[service] = ecr.CfnRepository(
                self,
                f"{service.capitalize()}Repository",
                repository_name=f"pocdex/{service}",
                image_scanning_configuration=ecr.CfnRepository.ImageScanningConfigurationProperty(
                    scan_on_push=True
                ),
                image_tag_mutability="IMMUTABLE",
                encryption_configuration=ecr.CfnRepository.EncryptionConfigurationProperty(
                    encryption_type="KMS", kms_key=key.key_arn
                ),
            )

        # One role per service.
        region, account, partition = self.region, self.account, self.partition
        self.service_roles: dict[str, iam.Role] = {}
        for service in SERVICES:
            role = _pod_identity_role(
                self, f"{service.capitalize()}Role", f"pods of the {service} service"
            )
            own = [q for q in all_queues() if q.startswith(f"{service}.")]
            events = [q for q in all_queues() if q.endswith(".events")]
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="OwnQueues",
                    actions=[
                        "sqs:ReceiveMessage",
                        "sqs:DeleteMessage",
                        "sqs:ChangeMessageVisibility",
                        "sqs:SendMessage",
                        "sqs:GetQueueAttributes",
                        "sqs:GetQueueUrl",
                    ],
                    resources=[queues[q].queue_arn for q in own],
                )
            )
            # Dead-letter depths for the metrics (pocdex_shared.metrics reads them).
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="OwnDeadLetterDepth",
                    actions=["sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
                    resources=[dead_letters[q].queue_arn for q in own],
                )
            )
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="PublishEvents",
                    actions=["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
                    resources=[queues[q].queue_arn for q in events],
                )
            )
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="QueueKey",
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=[messaging_key_arn],
                )
            )
            secrets = [
                databases[service].attr_master_user_secret_secret_arn,
                cache_secret.secret_arn,
                f"arn:{partition}:secretsmanager:{region}:{account}:secret:pocdex/{config.name}/{service}/*",
            ]
            if service == "pocs":
                secrets.append(opensearch_pocs_secret.secret_arn)
                domain = f"arn:{partition}:es:{region}:{account}:domain/{search_domain_name(config.name)}/*"
                role.add_to_policy(
                    iam.PolicyStatement(
                        sid="SearchDomain",
                        actions=[
                            "es:ESHttpGet",
                            "es:ESHttpHead",
                            "es:ESHttpPost",
                            "es:ESHttpPut",
                            "es:ESHttpDelete",
                        ],
                        resources=[domain],
                    )
                )
                acknowledge(
                    role.node.find_child("DefaultPolicy"),
                    f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:es:{region}:{account}:domain/{search_domain_name(config.name)}/*]",
                    "HTTP calls are authorized per path inside the one search domain; fine-grained access control limits pocs to its indices.",
                )
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="OwnSecrets",
                    actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                    resources=secrets,
                )
            )
            # The customer keys of the secrets above: the database's (its master user
            # secret), the cache's (its auth token) and, for pocs, the search domain's.
            secret_keys = [database_key_arn, cache_key_arn]
            if service == "pocs":
                secret_keys.append(search_key_arn)
            role.add_to_policy(
                iam.PolicyStatement(sid="SecretKeys", actions=["kms:Decrypt"], resources=secret_keys)
            )
            acknowledge(
                role.node.find_child("DefaultPolicy"),
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:{region}:{account}:secret:pocdex/{config.name}/{service}/*]",
                "The service's own secrets (Django key, service client secret) live under its own path; the suffix is the random one Secrets Manager appends.",
            )
            prefixes = BUCKET_PREFIXES.get(service, ())
            if prefixes:
                buckets = f"arn:{partition}:s3:::{config.bucket_prefix}*"
                role.add_to_policy(
                    iam.PolicyStatement(
                        sid="TenantBuckets",
                        actions=[
                            "s3:CreateBucket",
                            "s3:DeleteBucket",
                            "s3:ListBucket",
                            "s3:GetBucketTagging",
                            "s3:PutBucketTagging",
                            "s3:PutBucketPolicy",
                            "s3:PutBucketPublicAccessBlock",
                            "s3:PutEncryptionConfiguration",
                        ],
                        resources=[buckets],
                    )
                )
                role.add_to_policy(
                    iam.PolicyStatement(
                        sid="OwnObjects",
                        actions=[
                            "s3:GetObject",
                            "s3:PutObject",
                            "s3:DeleteObject",
                            "s3:AbortMultipartUpload",
                        ],
                        resources=[f"{buckets}/{prefix}*" for prefix in prefixes],
                    )
                )
                for finding in (
                    f"Resource::arn:<AWS::Partition>:s3:::{config.bucket_prefix}*",
                    *(
                        f"Resource::arn:<AWS::Partition>:s3:::{config.bucket_prefix}*/{prefix}*"
                        for prefix in prefixes
                    ),
                ):
                    acknowledge(
                        role.node.find_child("DefaultPolicy"),
                        f"AwsSolutions-IAM5[{finding}]",
                        f"One bucket per organization, created at runtime: the policy is scoped to the stage's tenant-bucket prefix and, for objects, to the {service} service's own key prefixes.",
                    )
            if service == "accounts":
                role.add_to_policy(
                    iam.PolicyStatement(
                        sid="MobilePush",
                        actions=[
                            "sns:CreatePlatformEndpoint",
                            "sns:GetEndpointAttributes",
                            "sns:SetEndpointAttributes",
                            "sns:DeleteEndpoint",
                            "sns:Publish",
                        ],
                        resources=[
                            config.push_apns_application_arn,
                            config.push_fcm_application_arn,
                            f"arn:{partition}:sns:{region}:{account}:endpoint/*",
                        ],
                    )
                )
                acknowledge(
                    role.node.find_child("DefaultPolicy"),
                    f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sns:{region}:{account}:endpoint/*]",
                    "SNS names a device's endpoint at its creation (endpoint/<platform>/<application>/<id>); accounts publishes to the endpoints of its own applications.",
                )
            eks.CfnPodIdentityAssociation(
                self,
                f"{service.capitalize()}Identity",
                cluster_name=self.cluster.ref,
                namespace=NAMESPACE,
                service_account=service_account(service),
                role_arn=role.role_arn,
            )
            self.service_roles[service] = role

        # External Secrets: its operator builds each release's Kubernetes Secret from
        # Secrets Manager (charts/, ClusterSecretStore "aws-secrets-manager"), so it reads
        # every secret the releases name and nothing else: the databases' managed master
        # user secrets, the cache token, the search users and the stage's own path.
        external_secrets = _pod_identity_role(
            self, "ExternalSecretsRole", "External Secrets operator (the releases' secrets)"
        )
        stage_path = f"arn:{partition}:secretsmanager:{region}:{account}:secret:pocdex/{config.name}/*"
        external_secrets.add_to_policy(
            iam.PolicyStatement(
                sid="ReleaseSecrets",
                actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                resources=[
                    *(databases[service].attr_master_user_secret_secret_arn for service in SERVICES),
                    cache_secret.secret_arn,
                    opensearch_pocs_secret.secret_arn,
                    opensearch_master_secret.secret_arn,
                    stage_path,
                ],
            )
        )
        external_secrets.add_to_policy(
            iam.PolicyStatement(
                sid="SecretKeys",
                actions=["kms:Decrypt"],
                resources=[database_key_arn, cache_key_arn, search_key_arn],
            )
        )
        acknowledge(
            external_secrets.node.find_child("DefaultPolicy"),
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:{region}:{account}:secret:pocdex/{config.name}/*]",
            "The entries the releases read live under the stage's own path (set at first deploy: Django keys, service client secrets, SMTP, Stripe, CloudFront key); the suffix is the random one Secrets Manager appends.",
        )
        eks.CfnPodIdentityAssociation(
            self,
            "ExternalSecretsIdentity",
            cluster_name=self.cluster.ref,
            namespace="external-secrets",
            service_account="external-secrets",
            role_arn=external_secrets.role_arn,
        )

        # The OpenTelemetry collector (traces to X-Ray, metrics and logs to CloudWatch).
        collector = _pod_identity_role(self, "CollectorRole", "OpenTelemetry collector")
        collector.add_managed_policy(_managed("AWSXrayWriteOnlyAccess"))
        collector.add_managed_policy(_managed("CloudWatchAgentServerPolicy"))
        _ack_managed(collector, "AWSXrayWriteOnlyAccess", "CloudWatchAgentServerPolicy")
        eks.CfnPodIdentityAssociation(
            self,
            "CollectorIdentity",
            cluster_name=self.cluster.ref,
            namespace="observability",
            service_account="otel-collector",
            role_arn=collector.role_arn,
        )
        # The AWS Load Balancer Controller only binds pods to the target groups of edge.py
        # (TargetGroupBinding); it creates no load balancer of its own.
        lbc = _pod_identity_role(
            self,
            "LoadBalancerControllerRole",
            "AWS Load Balancer Controller (target group bindings)",
        )
        lbc.add_to_policy(
            iam.PolicyStatement(
                sid="Describe",
                actions=[
                    "elasticloadbalancing:Describe*",
                    "ec2:DescribeInstances",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcs",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeAvailabilityZones",
                ],
                resources=["*"],
            )
        )
        lbc.add_to_policy(
            iam.PolicyStatement(
                sid="Targets",
                actions=[
                    "elasticloadbalancing:RegisterTargets",
                    "elasticloadbalancing:DeregisterTargets",
                ],
                resources=[
                    f"arn:{partition}:elasticloadbalancing:{region}:{account}:targetgroup/pocdex-{config.name}-*/*"
                ],
            )
        )
        for finding, reason in (
            (
                "Action::elasticloadbalancing:Describe*",
                "Describe calls support no resource-level permissions.",
            ),
            ("Resource::*", "Describe calls support no resource-level permissions."),
            (
                f"Resource::arn:<AWS::Partition>:elasticloadbalancing:{region}:{account}:targetgroup/pocdex-{config.name}-*/*",
                "Only the stage's own target groups (their names carry the stage).",
            ),
        ):
            acknowledge(
                lbc.node.find_child("DefaultPolicy"), f"AwsSolutions-IAM5[{finding}]", reason
            )
        eks.CfnPodIdentityAssociation(
            self,
            "LoadBalancerControllerIdentity",
            cluster_name=self.cluster.ref,
            namespace="kube-system",
            service_account="aws-load-balancer-controller",
            role_arn=lbc.role_arn,
        )
        CfnOutput(self, "ClusterName", value=self.cluster.ref)
        for service, role in self.service_roles.items():
            CfnOutput(
                self,
                f"{service.capitalize()}RoleArn",
                value=role.role_arn,
                description=f"bound to {NAMESPACE}/{service_account(service)} by Pod Identity",
            )
        for service, repo in self.repositories.items():
            CfnOutput(self, f"{service.capitalize()}RepositoryUri", value=repo.attr_repository_uri)
