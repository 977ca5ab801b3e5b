"""What issue 15 asks of every stage, checked on the synthesized templates."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template
from pocdex_cdk.platform import all_queues, sqs_queue_name

from . import checks

STAGES = ("PocdexStaging", "PocdexProd")


def every_template(templates):
    for stage, stacks in templates.items():
        for stack, template in stacks.items():
            yield stage, stack, template


def test_both_stages_are_built(templates) -> None:
    assert sorted(templates) == sorted(STAGES)


def test_no_lambda_function_and_no_custom_resource_anywhere(templates) -> None:
    found = {
        f"{stage}/{stack}": bad
        for stage, stack, template in every_template(templates)
        if (bad := checks.lambda_violations(template))
    }
    assert found == {}


@pytest.mark.parametrize("stage", STAGES)
def test_every_subnet_group_spans_three_zones(templates, stage) -> None:
    subnets = checks.resources(templates[stage]["network"], "AWS::EC2::Subnet")
    by_group: dict[str, set[str]] = {}
    for body in subnets.values():
        tags = {t["Key"]: t["Value"] for t in body["Properties"]["Tags"]}
        by_group.setdefault(tags["aws-cdk:subnet-name"], set()).add(
            body["Properties"]["AvailabilityZone"]
        )
    assert by_group == {
        "public": {"sa-east-1a", "sa-east-1b", "sa-east-1c"},
        "private": {"sa-east-1a", "sa-east-1b", "sa-east-1c"},
        "isolated": {"sa-east-1a", "sa-east-1b", "sa-east-1c"},
    }


@pytest.mark.parametrize("stage", STAGES)
def test_one_nat_gateway_per_zone(templates, stage) -> None:
    templates[stage]["network"].resource_count_is("AWS::EC2::NatGateway", 3)


@pytest.mark.parametrize("stage", STAGES)
def test_node_group_uses_the_private_subnets_of_all_three_zones(templates, stage) -> None:
    network = templates[stage]["network"].to_json()["Resources"]
    private_zone = {
        name: body["Properties"]["AvailabilityZone"]
        for name, body in network.items()
        if body["Type"] == "AWS::EC2::Subnet" and "private" in name.lower()
    }
    (nodegroup,) = checks.resources(templates[stage]["compute"], "AWS::EKS::Nodegroup").values()
    zones = set()
    for ref in nodegroup["Properties"]["Subnets"]:
        export = ref["Fn::ImportValue"]
        zones |= {zone for name, zone in private_zone.items() if name in export}
    assert zones == {"sa-east-1a", "sa-east-1b", "sa-east-1c"}
    assert nodegroup["Properties"]["ScalingConfig"]["MinSize"] >= 3


@pytest.mark.parametrize("stage", STAGES)
def test_databases_and_cache_are_multi_az_and_search_zone_aware(templates, stage) -> None:
    for stack in ("data", "cache", "search"):
        assert checks.not_multi_az(templates[stage][stack]) == []
    assert len(checks.resources(templates[stage]["data"], "AWS::RDS::DBInstance")) == 4


@pytest.mark.parametrize("stage", STAGES)
def test_one_database_per_service_with_managed_rotated_secret(templates, stage) -> None:
    data = templates[stage]["data"]
    names = sorted(
        b["Properties"]["DBName"] for b in checks.resources(data, "AWS::RDS::DBInstance").values()
    )
    assert names == ["accounts", "dojo", "media", "pocs"]
    data.all_resources_properties(
        "AWS::RDS::DBInstance",
        {
            "ManageMasterUserPassword": True,
            "EnablePerformanceInsights": True,
            "PubliclyAccessible": False,
            "MasterUserSecret": {"KmsKeyId": Match.any_value()},
        },
    )


def test_everything_is_encrypted(templates) -> None:
    found = {
        f"{stage}/{stack}": bad
        for stage, stack, template in every_template(templates)
        if (bad := checks.unencrypted(template))
    }
    assert found == {}


def test_prod_is_protected_from_deletion(templates) -> None:
    for stack in ("data", "compute", "edge"):
        assert checks.without_deletion_protection(templates["PocdexProd"][stack]) == []


def test_staging_differs_from_prod_in_sizes_not_topology(templates) -> None:
    for stack in ("network", "data", "cache", "messaging", "compute", "edge"):
        count = {
            stage: {
                kind
                for kind in (
                    b["Type"] for b in templates[stage][stack].to_json()["Resources"].values()
                )
            }
            for stage in STAGES
        }
        assert count["PocdexStaging"] == count["PocdexProd"], stack
    assert checks.without_deletion_protection(templates["PocdexStaging"]["data"]) != []


def test_the_queues_are_the_services_own_list_each_with_a_dead_letter_queue(templates) -> None:
    expected = {sqs_queue_name(q) for q in all_queues()}
    assert len(expected) == 11
    for stage in STAGES:
        messaging = templates[stage]["messaging"]
        queues = checks.resources(messaging, "AWS::SQS::Queue")
        main = {
            b["Properties"]["QueueName"]
            for b in queues.values()
            if "RedrivePolicy" in b["Properties"]
        }
        dead = {
            b["Properties"]["QueueName"]
            for b in queues.values()
            if "RedrivePolicy" not in b["Properties"]
        }
        assert main == expected
        assert dead == {f"{name}-dlq" for name in expected}
        assert checks.queues_without_dead_letter(messaging) == []


def test_every_queue_has_depth_age_and_dead_letter_alarms(templates) -> None:
    for stage in STAGES:
        alarms = checks.resources(
            templates[stage]["observability"], "AWS::CloudWatch::Alarm"
        ).values()
        watched: dict[str, set[str]] = {}
        for alarm in alarms:
            p = alarm["Properties"]
            for dim in p.get("Dimensions", []):
                if dim["Name"] == "QueueName":
                    watched.setdefault(dim["Value"], set()).add(p["MetricName"])
        for queue in all_queues():
            name = sqs_queue_name(queue)
            assert watched[name] == {
                "ApproximateNumberOfMessagesVisible",
                "ApproximateAgeOfOldestMessage",
            }
            assert watched[f"{name}-dlq"] == {"ApproximateNumberOfMessagesVisible"}


def test_alarms_cover_every_component(templates) -> None:
    alarms = checks.resources(
        templates["PocdexProd"]["observability"], "AWS::CloudWatch::Alarm"
    ).values()
    namespaces = {a["Properties"].get("Namespace") for a in alarms}
    namespaces |= {
        m.get("MetricStat", {}).get("Metric", {}).get("Namespace")
        for a in alarms
        for m in a["Properties"].get("Metrics", [])
    }
    assert {
        "AWS/ApiGateway",
        "AWS/ApplicationELB",
        "AWS/RDS",
        "AWS/ElastiCache",
        "AWS/ES",
        "AWS/SQS",
    } <= namespaces
    for a in alarms:
        assert a["Properties"]["AlarmActions"], "every alarm notifies the alarm topic"


def test_search_has_dedicated_masters_in_prod_only_and_fine_grained_access(templates) -> None:
    for stage, masters in (("PocdexProd", True), ("PocdexStaging", False)):
        (domain,) = checks.resources(
            templates[stage]["search"], "AWS::OpenSearchService::Domain"
        ).values()
        p = domain["Properties"]
        assert p["ClusterConfig"]["DedicatedMasterEnabled"] is masters
        assert p["AdvancedSecurityOptions"]["Enabled"] is True
        assert p["DomainEndpointOptions"]["TLSSecurityPolicy"].startswith("Policy-Min-TLS-1-2")
        assert "SubnetIds" in p["VPCOptions"]


def test_eks_is_l1_with_access_entries_addons_and_one_identity_per_service(templates) -> None:
    compute = templates["PocdexProd"]["compute"]
    compute.has_resource_properties(
        "AWS::EKS::Cluster", {"AccessConfig": {"AuthenticationMode": "API"}}
    )
    addons = {
        b["Properties"]["AddonName"] for b in checks.resources(compute, "AWS::EKS::Addon").values()
    }
    assert addons == {
        "vpc-cni",
        "coredns",
        "kube-proxy",
        "aws-ebs-csi-driver",
        "eks-pod-identity-agent",
    }
    accounts = {
        b["Properties"]["ServiceAccount"]
        for b in checks.resources(compute, "AWS::EKS::PodIdentityAssociation").values()
        if b["Properties"]["Namespace"] == "pocdex"
    }
    assert accounts == {"pocdex-accounts", "pocdex-pocs", "pocdex-dojo", "pocdex-media"}
    compute.all_resources_properties(
        "AWS::ECR::Repository",
        {"ImageTagMutability": "IMMUTABLE", "ImageScanningConfiguration": {"ScanOnPush": True}},
    )


def test_each_service_reaches_only_its_own_prefixes_of_the_tenant_buckets(templates) -> None:
    compute = templates["PocdexProd"]["compute"].to_json()["Resources"]
    reach: dict[str, list[str]] = {}
    for name, body in compute.items():
        if body["Type"] != "AWS::IAM::Policy":
            continue
        for statement in body["Properties"]["PolicyDocument"]["Statement"]:
            if statement.get("Sid") == "OwnObjects":
                resources = statement["Resource"]
                resources = resources if isinstance(resources, list) else [resources]
                reach[name] = [
                    r["Fn::Join"][1][-1] if isinstance(r, dict) else r for r in resources
                ]
    assert sorted(v for values in reach.values() for v in values) == [
        ":s3:::pocdex-prod-t-*/exports/*",
        ":s3:::pocdex-prod-t-*/exports/*/dojo/*",
        ":s3:::pocdex-prod-t-*/exports/*/media/*",
        ":s3:::pocdex-prod-t-*/exports/*/pocs/*",
        ":s3:::pocdex-prod-t-*/media/*",
        ":s3:::pocdex-prod-t-*/pocs/*",
    ]
    assert len(reach) == 4  # one policy per service, each with its own prefixes


def _statements(compute, role_prefix: str, sid: str) -> list[dict]:
    found = []
    for body in checks.resources(compute, "AWS::IAM::Policy").values():
        roles = body["Properties"].get("Roles", [])
        refs = [r.get("Ref", "") for r in roles if isinstance(r, dict)]
        if any(ref.startswith(role_prefix) for ref in refs):
            found += [
                st
                for st in body["Properties"]["PolicyDocument"]["Statement"]
                if st.get("Sid") == sid
            ]
    return found


def test_external_secrets_reads_every_release_secret_and_can_decrypt_it(templates) -> None:
    compute = templates["PocdexProd"]["compute"]
    identities = {
        (b["Properties"]["Namespace"], b["Properties"]["ServiceAccount"])
        for b in checks.resources(compute, "AWS::EKS::PodIdentityAssociation").values()
    }
    assert ("external-secrets", "external-secrets") in identities
    (reads,) = _statements(compute, "ExternalSecretsRole", "ReleaseSecrets")
    text = str(reads["Resource"])
    # The stage's own path (Django keys, client secrets, SMTP, Stripe, CloudFront key) ...
    assert ":secretsmanager:" in text and "secret:pocdex/prod/*" in text
    # ... plus the four databases' managed master user secrets (cross-stack imports).
    assert text.count("MasterUserSecret") >= 4 or text.count("Fn::ImportValue") >= 4
    (keys,) = _statements(compute, "ExternalSecretsRole", "SecretKeys")
    assert reads["Action"] == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    assert keys["Action"] == "kms:Decrypt" and len(keys["Resource"]) == 3


def test_each_service_can_decrypt_the_secrets_it_may_read(templates) -> None:
    compute = templates["PocdexProd"]["compute"]
    for service in ("Accounts", "Pocs", "Dojo", "Media"):
        (keys,) = _statements(compute, f"{service}Role", "SecretKeys")
        # database key and cache key; pocs also the search key (its OpenSearch user).
        expected = 3 if service == "Pocs" else 2
        resources = keys["Resource"]
        assert len(resources if isinstance(resources, list) else [resources]) == expected, service


def test_each_service_reads_the_depth_of_its_own_dead_letter_queues_only(templates) -> None:
    compute = templates["PocdexProd"]["compute"]
    for service in ("accounts", "pocs", "dojo", "media"):
        (statement,) = _statements(compute, f"{service.capitalize()}Role", "OwnDeadLetterDepth")
        assert statement["Action"] == ["sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
        resources = statement["Resource"]
        resources = resources if isinstance(resources, list) else [resources]
        named = [str(r) for r in resources]
        own = [q for q in all_queues() if q.startswith(f"{service}.")]
        assert len(named) == len(own), service
        # cross-stack references to the messaging stack's dead-letter queues, nothing else
        assert all("DeadLetter" in r or "Dlq" in r or "dlq" in r for r in named), named


def test_edge_has_waf_on_both_load_balancers_and_throttled_routes(templates) -> None:
    edge = templates["PocdexProd"]["edge"]
    edge.resource_count_is("AWS::WAFv2::WebACLAssociation", 2)
    edge.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "RouteSettings": Match.object_like({"ANY /api/v1/auth/{proxy+}": Match.any_value()}),
            "DefaultRouteSettings": Match.object_like({"ThrottlingRateLimit": Match.any_value()}),
        },
    )
    routes = {
        b["Properties"]["RouteKey"]
        for b in checks.resources(edge, "AWS::ApiGatewayV2::Route").values()
    }
    assert not any("/internal" in r or "/metrics" in r for r in routes)
    assert "ANY /api/v1/dojos/{proxy+}" in routes
    edge.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "Scheme": "internet-facing",
            "LoadBalancerAttributes": Match.array_with(
                [{"Key": "idle_timeout.timeout_seconds", "Value": "3600"}]
            ),
        },
    )


def test_media_downloads_go_through_cloudfront_with_signed_urls_and_tls12(templates) -> None:
    storage = templates["PocdexProd"]["storage"]
    storage.has_resource_properties(
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": Match.object_like(
                {
                    "ViewerCertificate": Match.object_like(
                        {"MinimumProtocolVersion": "TLSv1.2_2021"}
                    ),
                    "Logging": Match.any_value(),
                    "CacheBehaviors": [
                        Match.object_like(
                            {"PathPattern": "/t/*", "TrustedKeyGroups": Match.any_value()}
                        )
                    ],
                }
            )
        },
    )
    storage.resource_count_is("AWS::CloudFront::OriginAccessControl", 1)


def test_template_is_a_template() -> None:
    assert isinstance(Template.from_json({"Resources": {}}), Template)


def test_load_balancers_reach_the_pods_on_their_container_port_only(templates) -> None:
    edge = templates["PocdexProd"]["edge"]
    edge.all_resources_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup", {"Port": 8000, "TargetType": "ip"}
    )
    ingress = checks.resources(edge, "AWS::EC2::SecurityGroupIngress").values()
    to_pods = [i["Properties"] for i in ingress if i["Properties"].get("FromPort") == 8000]
    assert len(to_pods) == 2
    assert all(p["ToPort"] == 8000 and "SourceSecurityGroupId" in p for p in to_pods)


def test_the_stacks_publish_what_the_helm_release_needs(templates) -> None:
    prod = templates["PocdexProd"]
    outputs = {stack: set(t.to_json().get("Outputs", {})) for stack, t in prod.items()}
    assert {"QueueUrlPrefix"} <= outputs["messaging"]
    assert {"PrimaryEndpoint", "AuthTokenSecret"} <= outputs["cache"]
    assert {"Endpoint", "PocsUserSecret"} <= outputs["search"]
    assert {"AccountsEndpoint", "AccountsSecret", "MediaEndpoint"} <= outputs["data"]
    assert {"ClusterName", "PocsRoleArn", "DojoRepositoryUri"} <= outputs["compute"]
    assert {"DojoWsTargetGroupArn", "MediaTargetGroupArn"} <= outputs["edge"]


def test_both_web_acls_have_the_common_rules_and_a_rate_rule(templates) -> None:
    acls = checks.resources(templates["PocdexProd"]["edge"], "AWS::WAFv2::WebACL").values()
    assert len(acls) == 2
    for acl in acls:
        rules = acl["Properties"]["Rules"]
        managed = {r["Statement"].get("ManagedRuleGroupStatement", {}).get("Name") for r in rules}
        assert "AWSManagedRulesCommonRuleSet" in managed
        assert any("RateBasedStatement" in r["Statement"] and "Block" in r["Action"] for r in rules)


def test_database_parameters_come_from_the_stage_config(templates) -> None:
    from pocdex_cdk import config

    for stage, name in (("PocdexStaging", "staging"), ("PocdexProd", "prod")):
        cfg = config.load(name)
        (group,) = checks.resources(templates[stage]["data"], "AWS::RDS::DBParameterGroup").values()
        assert group["Properties"]["Parameters"]["max_connections"] == str(
            cfg.databases["max_connections"]
        )
        assert group["Properties"]["Parameters"]["rds.force_ssl"] == "1"
        templates[stage]["data"].all_resources_properties(
            "AWS::RDS::DBInstance", {"DBInstanceClass": cfg.databases["instance_class"]}
        )
