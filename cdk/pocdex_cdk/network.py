"""Network: a VPC over the stage's three availability zones, endpoints and flow logs.

Subnets: public (load balancers, NAT gateways), private with egress (EKS nodes
and pods, the internal load balancer, VPC link) and isolated (RDS, ElastiCache,
OpenSearch). The default security group is left as AWS makes it (no rules are
added to it and nothing uses it): CDK's option to strip it runs a Lambda.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from .common import encrypted_log_group
from .config import StageConfig


class NetworkStack(Stack):
    def __init__(
        self, scope: Construct, cid: str, *, config: StageConfig, **kwargs: object
    ) -> None:
        super().__init__(scope, cid, **kwargs)
        if list(self.availability_zones) != list(config.availability_zones):
            raise ValueError(
                f"cdk.context.json pins {self.availability_zones} for {self.account}/{self.region}, "
                f"the stage config says {config.availability_zones}"
            )
        flow_log_group = encrypted_log_group(
            self, "FlowLogs", f"/pocdex/{config.name}/vpc-flow-logs", config
        )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(config.network["cidr"]),
            max_azs=3,
            nat_gateways=config.network["nat_gateways"],
            restrict_default_security_group=False,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24
                ),
                ec2.SubnetConfiguration(
                    name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=19
                ),
                ec2.SubnetConfiguration(
                    name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                ),
            ],
            flow_logs={
                "all": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_log_group),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
        )
        self.vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3)
        endpoints = {
            "Sqs": ec2.InterfaceVpcEndpointAwsService.SQS,
            "Sns": ec2.InterfaceVpcEndpointAwsService.SNS,
            "EcrApi": ec2.InterfaceVpcEndpointAwsService.ECR,
            "EcrDocker": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
            "Sts": ec2.InterfaceVpcEndpointAwsService.STS,
            "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
            "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
            "XRay": ec2.InterfaceVpcEndpointAwsService.XRAY,
            "EksAuth": ec2.InterfaceVpcEndpointAwsService.EKS_AUTH,
        }
        self.endpoint_sg = ec2.SecurityGroup(
            self,
            "EndpointsSg",
            vpc=self.vpc,
            description="Interface endpoints: HTTPS from the VPC",
            allow_all_outbound=False,
        )
        self.endpoint_sg.add_ingress_rule(
            ec2.Peer.ipv4(config.network["cidr"]), ec2.Port.tcp(443), "HTTPS from the VPC"
        )
        for name, service in endpoints.items():
            self.vpc.add_interface_endpoint(
                name,
                service=service,
                private_dns_enabled=True,
                open=False,
                security_groups=[self.endpoint_sg],
                subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            )
        # The EKS nodes (and so the pods, which share the node's ENIs under the VPC CNI).
        self.workloads_sg = ec2.SecurityGroup(
            self,
            "WorkloadsSg",
            vpc=self.vpc,
            description="EKS nodes and pods",
            allow_all_outbound=True,
        )
        self.workloads_sg.add_ingress_rule(
            self.workloads_sg, ec2.Port.all_traffic(), "node to node and pod to pod"
        )
