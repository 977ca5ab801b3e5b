"""Edge: the HTTP API for the REST routes, an ALB for the dojo WebSockets, WAF, ACM, Route 53.

* ``api.``, ``admin.`` and ``*.`` (tenant-owner pages) are custom domains of one
  API Gateway HTTP API. Each route sets ``x-pocdex-service`` (overwriting what
  a client sent) and goes through a VPC link to an internal ALB, whose rules
  forward on that header to the service's target group. There is no route for
  ``/internal`` or ``/metrics``, and the ALB answers them 404 as well.
* ``ws.`` is a public ALB for the dojo's WebSockets (``/ws/...``): API
  Gateway's WebSocket APIs end every connection after two hours and turn each
  frame into an integration call, which does not fit Channels' long-lived
  connections.
* Target groups take pod IPs; the Helm chart binds the pods to them
  (TargetGroupBinding), so no load balancer is created from Kubernetes.
* AWS WAF cannot be attached to an HTTP API: both load balancers get a web ACL
  (AWS managed common rules, known bad inputs, and a rate rule per client IP;
  behind the HTTP API the client IP is the first of X-Forwarded-For).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from .common import encrypted_log_group
from .config import StageConfig
from .nag import acknowledge
from .platform import SERVICES

#: Public path prefixes per service: the same table as the local gateway (local/nginx/routes.conf).
ROUTES: dict[str, tuple[str, ...]] = {
    "accounts": (
        "/api/v1/signup",
        "/api/v1/auth",
        "/api/v1/me",
        "/api/v1/members",
        "/api/v1/invitations",
        "/api/v1/devices",
        "/api/v1/organization",
        "/.well-known",
        "/admin",
        "/static",
    ),
    "pocs": (
        "/api/v1/pocs",
        "/api/v1/search",
        "/api/v1/languages",
        "/api/v1/tags",
        "/api/v1/integrations",
    ),
    "dojo": ("/api/v1/dojos",),
    "media": ("/api/v1/reports", "/api/v1/videos"),
}
#: Routes with a tighter budget than the stage default (credential guessing, signups).
SENSITIVE = ("/api/v1/signup", "/api/v1/auth")
HEADER = "x-pocdex-service"
CLOSED = ("/internal", "/metrics")
#: Every service container listens on 8000 (services/*/Dockerfile).
POD_PORT = 8000


def route_keys(prefix: str) -> tuple[str, str]:
    return (f"ANY {prefix}", f"ANY {prefix}/{{proxy+}}")


def _acl(scope: Construct, cid: str, config: StageConfig, *, forwarded: bool) -> wafv2.CfnWebACL:
    def managed(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name=name,
            priority=priority,
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=name
                )
            ),
            visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            ),
        )

    rate = wafv2.CfnWebACL.RateBasedStatementProperty(
        limit=config.waf_rate_limit_per_5_minutes,
        aggregate_key_type="FORWARDED_IP" if forwarded else "IP",
        forwarded_ip_config=(
            wafv2.CfnWebACL.ForwardedIPConfigurationProperty(
                header_name="X-Forwarded-For", fallback_behavior="MATCH"
            )
            if forwarded
            else None
        ),
    )
    return wafv2.CfnWebACL(
        scope,
        cid,
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=cid, sampled_requests_enabled=True
        ),
        rules=[
            managed("AWSManagedRulesCommonRuleSet", 0),
            managed("AWSManagedRulesKnownBadInputsRuleSet", 1),
            wafv2.CfnWebACL.RuleProperty(
                name="rate-per-client",
                priority=2,
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(rate_based_statement=rate),
                visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                    cloud_watch_metrics_enabled=True,
                    metric_name=f"{cid}Rate",
                    sampled_requests_enabled=True,
                ),
            ),
        ],
    )


class EdgeStack(Stack):
    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        config: StageConfig,
        vpc: ec2.IVpc,
        workloads_sg: ec2.ISecurityGroup,
        log_bucket: s3.IBucket,
        cdn_domain_name: str,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, cid, **kwargs)
        domain = config.domain
        zone = route53.HostedZone.from_hosted_zone_attributes(
            self, "Zone", hosted_zone_id=config.hosted_zone_id, zone_name=domain
        )
        certificate = acm.Certificate(
            self,
            "Certificate",
            domain_name=domain,
            subject_alternative_names=[f"*.{domain}"],
            validation=acm.CertificateValidation.from_dns(zone),
        )
        public = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)
        private = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)

        # Internal ALB behind the HTTP API.
        link_sg = ec2.SecurityGroup(
            self, "VpcLinkSg", vpc=vpc, description="HTTP API VPC link", allow_all_outbound=True
        )
        internal_sg = ec2.SecurityGroup(
            self, "InternalAlbSg", vpc=vpc, description="Internal ALB", allow_all_outbound=False
        )
        internal_sg.add_ingress_rule(
            link_sg, ec2.Port.tcp(443), "HTTPS from the HTTP API's VPC link"
        )
        internal_sg.add_egress_rule(workloads_sg, ec2.Port.tcp(POD_PORT), "to the service pods")
        internal = elbv2.ApplicationLoadBalancer(
            self,
            "InternalAlb",
            vpc=vpc,
            internet_facing=False,
            vpc_subnets=private,
            security_group=internal_sg,
            drop_invalid_header_fields=True,
            deletion_protection=config.is_prod,
        )
        internal.log_access_logs(log_bucket, prefix="alb/internal")
        listener = internal.add_listener(
            "Https",
            port=443,
            certificates=[certificate],
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
            open=False,
            default_action=elbv2.ListenerAction.fixed_response(
                404,
                content_type="application/json",
                message_body='{"error":{"code":"not_found","message":"No route for this path."}}',
            ),
        )
        listener.add_action(
            "Closed",
            priority=1,
            conditions=[
                elbv2.ListenerCondition.path_patterns([p for c in CLOSED for p in (c, f"{c}/*")])
            ],
            action=elbv2.ListenerAction.fixed_response(
                404,
                content_type="application/json",
                message_body='{"error":{"code":"not_found","message":"No route for this path."}}',
            ),
        )
        self.target_groups: dict[str, elbv2.ApplicationTargetGroup] = {}
        ec2.CfnSecurityGroupIngress(
            self,
            "PodsFromInternalAlb",
            group_id=workloads_sg.security_group_id,
            ip_protocol="tcp",
            from_port=POD_PORT,
            to_port=POD_PORT,
            source_security_group_id=internal_sg.security_group_id,
            description="the internal ALB to the service pods",
        )
        for index, service in enumerate(SERVICES):
            group = elbv2.ApplicationTargetGroup(
                self,
                f"{service.capitalize()}Targets",
                target_group_name=f"pocdex-{config.name}-{service}",
                vpc=vpc,
                target_type=elbv2.TargetType.IP,
                protocol=elbv2.ApplicationProtocol.HTTP,
                port=POD_PORT,
                health_check=elbv2.HealthCheck(path="/healthz", healthy_http_codes="200"),
                deregistration_delay=Duration.seconds(30),
            )
            listener.add_target_groups(
                f"{service.capitalize()}Rule",
                priority=10 + index,
                conditions=[elbv2.ListenerCondition.http_header(HEADER, [service])],
                target_groups=[group],
            )
            self.target_groups[service] = group
        _web_acl_for(self, "InternalAcl", config, internal, forwarded=True)

        # The HTTP API.
        link = apigw.CfnVpcLink(
            self,
            "VpcLink",
            name=f"pocdex-{config.name}",
            subnet_ids=vpc.select_subnets(
                subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS
            ).subnet_ids,
            security_group_ids=[link_sg.security_group_id],
        )
        api = apigw.CfnApi(
            self,
            "Api",
            name=f"pocdex-{config.name}",
            protocol_type="HTTP",
            disable_execute_api_endpoint=True,
            description="Pocdex REST API (accounts, pocs, dojo, media)",
        )
        self.api = api
        integrations = {}
        for service in SERVICES:
            integrations[service] = apigw.CfnIntegration(
                self,
                f"{service.capitalize()}Integration",
                api_id=api.ref,
                integration_type="HTTP_PROXY",
                integration_method="ANY",
                connection_type="VPC_LINK",
                connection_id=link.ref,
                integration_uri=listener.listener_arn,
                payload_format_version="1.0",
                tls_config=apigw.CfnIntegration.TlsConfigProperty(
                    server_name_to_verify=f"api.{domain}"
                ),
                request_parameters={f"overwrite:header.{HEADER}": service},
                timeout_in_millis=29000,
            )
        route_settings = {}
        self.route_keys: list[str] = []
        for service, prefixes in ROUTES.items():
            for prefix in prefixes:
                for key in route_keys(prefix):
                    route = apigw.CfnRoute(
                        self,
                        f"Route{len(self.route_keys)}",
                        api_id=api.ref,
                        route_key=key,
                        target=f"integrations/{integrations[service].ref}",
                    )
                    self.route_keys.append(key)
                    acknowledge(
                        route,
                        "AwsSolutions-APIG4",
                        "Each service verifies the access token itself (RS256 against accounts' JWKS, with revocation and tenant status); signup, login and the JWKS are public by design.",
                    )
                    if prefix in SENSITIVE:
                        route_settings[key] = {
                            "ThrottlingRateLimit": config.api_throttle["auth_rate"],
                            "ThrottlingBurstLimit": config.api_throttle["auth_burst"],
                        }
        # Tenant-owner pages (any other path on a tenant host) belong to accounts.
        default = apigw.CfnRoute(
            self,
            "DefaultRoute",
            api_id=api.ref,
            route_key="$default",
            target=f"integrations/{integrations['accounts'].ref}",
        )
        acknowledge(
            default,
            "AwsSolutions-APIG4",
            "Tenant-owner pages are public pages; accounts decides what each shows.",
        )
        self.route_keys.append("$default")
        access_logs = encrypted_log_group(
            self, "ApiAccessLogs", f"/pocdex/{config.name}/api-access", config
        )
        stage = apigw.CfnStage(
            self,
            "Stage",
            api_id=api.ref,
            stage_name="$default",
            auto_deploy=True,
            default_route_settings=apigw.CfnStage.RouteSettingsProperty(
                throttling_rate_limit=config.api_throttle["rate"],
                throttling_burst_limit=config.api_throttle["burst"],
                detailed_metrics_enabled=True,
            ),
            route_settings=route_settings,
            access_log_settings=apigw.CfnStage.AccessLogSettingsProperty(
                destination_arn=access_logs.log_group_arn,
                format=(
                    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
                    '"time":"$context.requestTime","method":"$context.httpMethod","path":"$context.path",'
                    '"route":"$context.routeKey","status":"$context.status","latency":"$context.responseLatency",'
                    '"integrationError":"$context.integrationErrorMessage"}'
                ),
            ),
        )
        for route in self.node.children:
            if isinstance(route, apigw.CfnRoute):
                stage.add_dependency(route)
        for host in ("api", "admin", "*"):
            name = f"{host}.{domain}"
            custom = apigw.CfnDomainName(
                self,
                f"Domain{host.replace('*', 'Tenants').title()}",
                domain_name=name,
                domain_name_configurations=[
                    apigw.CfnDomainName.DomainNameConfigurationProperty(
                        certificate_arn=certificate.certificate_arn,
                        endpoint_type="REGIONAL",
                        security_policy="TLS_1_2",
                    )
                ],
            )
            mapping = apigw.CfnApiMapping(
                self,
                f"Mapping{host.replace('*', 'Tenants').title()}",
                api_id=api.ref,
                domain_name=custom.ref,
                stage="$default",
            )
            mapping.add_dependency(stage)
            route53.ARecord(
                self,
                f"Record{host.replace('*', 'Tenants').title()}",
                zone=zone,
                record_name=name,
                target=route53.RecordTarget.from_alias(
                    targets.ApiGatewayv2DomainProperties(
                        custom.attr_regional_domain_name, custom.attr_regional_hosted_zone_id
                    )
                ),
            )

        # The public ALB for the dojo's WebSockets.
        ws_sg = ec2.SecurityGroup(
            self, "WsAlbSg", vpc=vpc, description="WebSocket ALB", allow_all_outbound=False
        )
        ws_sg.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS from anywhere")
        ws_sg.add_egress_rule(workloads_sg, ec2.Port.tcp(POD_PORT), "to the dojo pods")
        acknowledge(
            ws_sg,
            "AwsSolutions-EC23",
            "The WebSocket endpoint is public by design; WAF and the one-time ticket guard it.",
        )
        ws = elbv2.ApplicationLoadBalancer(
            self,
            "WsAlb",
            vpc=vpc,
            internet_facing=True,
            vpc_subnets=public,
            security_group=ws_sg,
            idle_timeout=Duration.hours(1),
            drop_invalid_header_fields=True,
            deletion_protection=config.is_prod,
        )
        ws.log_access_logs(log_bucket, prefix="alb/ws")
        ec2.CfnSecurityGroupIngress(
            self,
            "PodsFromWsAlb",
            group_id=workloads_sg.security_group_id,
            ip_protocol="tcp",
            from_port=POD_PORT,
            to_port=POD_PORT,
            source_security_group_id=ws_sg.security_group_id,
            description="the WebSocket ALB to the dojo pods",
        )
        ws_listener = ws.add_listener(
            "Https",
            port=443,
            certificates=[certificate],
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
            open=False,
            default_action=elbv2.ListenerAction.fixed_response(
                404,
                content_type="application/json",
                message_body='{"error":{"code":"not_found","message":"No route for this path."}}',
            ),
        )
        self.ws_targets = elbv2.ApplicationTargetGroup(
            self,
            "DojoWsTargets",
            target_group_name=f"pocdex-{config.name}-dojo-ws",
            vpc=vpc,
            target_type=elbv2.TargetType.IP,
            protocol=elbv2.ApplicationProtocol.HTTP,
            port=POD_PORT,
            health_check=elbv2.HealthCheck(path="/healthz", healthy_http_codes="200"),
            deregistration_delay=Duration.seconds(60),
        )
        ws_listener.add_target_groups(
            "Ws",
            priority=10,
            conditions=[elbv2.ListenerCondition.path_patterns(["/ws", "/ws/*"])],
            target_groups=[self.ws_targets],
        )
        _web_acl_for(self, "WsAcl", config, ws, forwarded=False)
        route53.ARecord(
            self,
            "RecordWs",
            zone=zone,
            record_name=f"ws.{domain}",
            target=route53.RecordTarget.from_alias(targets.LoadBalancerTarget(ws)),
        )
        route53.CnameRecord(
            self,
            "RecordMedia",
            zone=zone,
            record_name=f"media.{domain}",
            domain_name=cdn_domain_name,
        )
        self.internal_alb = internal
        for service, group in self.target_groups.items():
            CfnOutput(
                self,
                f"{service.capitalize()}TargetGroupArn",
                value=group.target_group_arn,
                description=f"TargetGroupBinding of the {service} web pods",
            )
        CfnOutput(
            self,
            "DojoWsTargetGroupArn",
            value=self.ws_targets.target_group_arn,
            description="TargetGroupBinding of the dojo pods for WebSockets",
        )
        CfnOutput(self, "ApiId", value=api.ref)
        self.ws_alb = ws
        self.api_id = api.ref


def _web_acl_for(
    scope: Construct,
    cid: str,
    config: StageConfig,
    alb: elbv2.ApplicationLoadBalancer,
    *,
    forwarded: bool,
) -> None:
    acl = _acl(scope, cid, config, forwarded=forwarded)
    wafv2.CfnWebACLAssociation(
        scope, f"{cid}Association", resource_arn=alb.load_balancer_arn, web_acl_arn=acl.attr_arn
    )
