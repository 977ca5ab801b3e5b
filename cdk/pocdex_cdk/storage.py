"""Storage and delivery: tenant buckets' naming rule, the assets bucket, CloudFront for downloads.

Tenant buckets (``<prefix><tenant uuid hex>``, ``pocdex_shared.storage``) are
created by pocs and media at runtime, so no template lists them; the stage's
prefix (``pocdex-<stage>-t-``) is what the services' ``S3_BUCKET_PREFIX`` is
set to and what their IAM policies are scoped to (compute.py).

Media downloads go through CloudFront with CloudFront signed URLs (a trusted
key group): a CloudFront Function turns ``/t/<tenant hex>/<key>`` into a
request to that tenant's bucket through origin access control, so the buckets
stay private and only a URL the service signed is served.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .config import StageConfig
from .nag import acknowledge

ROUTER_CODE = """
import cf from 'cloudfront';
function handler(event) {
  var request = event.request;
  var match = request.uri.match(/^\\/t\\/([0-9a-f]{32})(\\/.+)$/);
  if (!match) {
    return {statusCode: 404, statusDescription: 'Not Found'};
  }
  cf.updateRequestOrigin({
    domainName: '%(prefix)s' + match[1] + '.s3.%(region)s.amazonaws.com',
    originAccessControlConfig: {enabled: true, signingBehavior: 'always', signingProtocol: 'sigv4', originType: 's3'}
  });
  request.uri = match[2];
  return request;
}
"""


class StorageStack(Stack):
    def __init__(
        self, scope: Construct, cid: str, *, config: StageConfig, **kwargs: object
    ) -> None:
        super().__init__(scope, cid, **kwargs)
        self.bucket_prefix = config.bucket_prefix
        self.log_bucket = s3.Bucket(
            self,
            "Logs",
            bucket_name=f"pocdex-{config.name}-logs-{self.account}",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(config.log_retention_days))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.log_bucket,
            "AwsSolutions-S1",
            "This is the access-log bucket itself; logging it into itself would loop.",
        )
        self.assets = s3.Bucket(
            self,
            "Assets",
            bucket_name=f"pocdex-{config.name}-assets-{self.account}",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix="s3/assets/",
            removal_policy=RemovalPolicy.RETAIN,
        )
        certificate = acm.Certificate.from_certificate_arn(
            self, "CdnCertificate", config.cloudfront_certificate_arn
        )
        public_key = cloudfront.PublicKey(
            self,
            "MediaSigningKey",
            encoded_key=config.media_signing_public_key(),
            comment="Signs media download URLs (the private half is in Secrets Manager)",
        )
        self.key_group = cloudfront.KeyGroup(self, "MediaSigners", items=[public_key])
        router = cloudfront.Function(
            self,
            "TenantRouter",
            function_name=f"pocdex-{config.name}-tenant-router",
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            code=cloudfront.FunctionCode.from_inline(
                ROUTER_CODE % {"prefix": config.bucket_prefix, "region": self.region}
            ),
            comment="Routes /t/<tenant>/<key> to the tenant's bucket",
        )
        assets_origin = origins.S3BucketOrigin.with_origin_access_control(self.assets)
        self.distribution = cloudfront.Distribution(
            self,
            "Cdn",
            comment=f"pocdex {config.name}: media downloads and static assets",
            domain_names=[f"media.{config.domain}"],
            certificate=certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_ALL,
            enable_logging=True,
            log_bucket=self.log_bucket,
            log_file_prefix="cloudfront/",
            default_behavior=cloudfront.BehaviorOptions(
                origin=assets_origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
            ),
            additional_behaviors={
                "/t/*": cloudfront.BehaviorOptions(
                    origin=assets_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                    trusted_key_groups=[self.key_group],
                    function_associations=[
                        cloudfront.FunctionAssociation(
                            function=router, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                        )
                    ],
                )
            },
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "Downloads are for the organization's members wherever they are; every tenant object needs a signed URL.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "The API and WebSocket hosts have AWS WAF; this distribution serves only signed, expiring media URLs and static assets.",
        )
        # Tenant buckets carry a policy (set by the service that creates them) that admits
        # this distribution; the statement they copy is this one, with their own name.
        self.tenant_bucket_statement = iam.PolicyStatement(
            principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
            actions=["s3:GetObject"],
            resources=[f"arn:{self.partition}:s3:::{config.bucket_prefix}*/*"],
            conditions={
                "StringEquals": {
                    "AWS:SourceArn": f"arn:{self.partition}:cloudfront::{self.account}:distribution/{self.distribution.distribution_id}"
                }
            },
        )
        CfnOutput(
            self,
            "BucketPrefix",
            value=config.bucket_prefix,
            description="S3_BUCKET_PREFIX of pocs and media",
        )
        CfnOutput(self, "MediaDistribution", value=self.distribution.distribution_domain_name)
        CfnOutput(self, "MediaKeyGroup", value=self.key_group.key_group_id)
        CfnOutput(
            self,
            "MediaSigningKeyId",
            value=public_key.public_key_id,
            description="MEDIA_CLOUDFRONT_KEY_ID of media",
        )
        CfnOutput(
            self,
            "MediaDistributionArn",
            value=f"arn:{self.partition}:cloudfront::{self.account}:distribution/{self.distribution.distribution_id}",
            description="S3_CLOUDFRONT_DISTRIBUTION_ARN of pocs and media",
        )
        CfnOutput(self, "AssetsBucket", value=self.assets.bucket_name)
