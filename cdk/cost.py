"""Monthly list cost of a stage from its config: ``python3 cost.py`` prints docs/deploy-aws.md's table.

Prices: AWS public on-demand list prices for sa-east-1 (São Paulo), USD,
taxes excluded, as listed in 2025; no Savings Plans, reserved capacity or free
tier. Re-price with the AWS Pricing Calculator before budgeting: the figures
here are a model, not a quote. Usage-driven items (requests, data out, logs)
use the assumptions in USAGE.
"""

from __future__ import annotations

from pocdex_cdk import config as stage_config
from pocdex_cdk.platform import SERVICES

HOURS = 730
PRICES = {  # USD per hour unless the name says otherwise
    "eks_cluster": 0.10,
    "ec2": {"t4g.large": 0.1075, "m7g.xlarge": 0.2621},
    "ebs_gp3_gb_month": 0.152,
    "nat_gateway": 0.093,
    "nat_gb": 0.093,
    "interface_endpoint_az": 0.017,
    "public_ipv4": 0.005,
    "alb": 0.034,
    "alb_lcu": 0.011,
    "rds_multi_az": {"db.t4g.medium": 0.214, "db.m7g.large": 0.568},
    "rds_gp3_multi_az_gb_month": 0.436,
    "valkey": {"cache.t4g.micro": 0.0208, "cache.m7g.large": 0.204},
    "opensearch": {"t3.small.search": 0.056, "r7g.large.search": 0.279, "m7g.medium.search": 0.107},
    "opensearch_gp3_gb_month": 0.203,
    "http_api_per_million": 1.90,
    "waf_acl_month": 5.0,
    "waf_rule_month": 1.0,
    "waf_per_million": 0.60,
    "kms_key_month": 1.0,
    "secret_month": 0.40,
    "alarm_month": 0.10,
    "dashboard_month": 3.0,
    "logs_ingest_gb": 0.90,
    "cloudfront_gb": 0.110,
    "hosted_zone_month": 0.50,
}
USAGE = {  # per month
    "staging": {"api_millions": 1, "nat_gb": 50, "logs_gb": 10, "cdn_gb": 20, "alb_lcu": 1},
    "prod": {"api_millions": 50, "nat_gb": 500, "logs_gb": 100, "cdn_gb": 500, "alb_lcu": 5},
}
INTERFACE_ENDPOINTS = 9
KMS_KEYS = 10
SECRETS = 4 + 1 + 2 + 2 + 2 * 4  # RDS-managed, cache, OpenSearch, push, two per service


def monthly(stage: str) -> list[tuple[str, str, float]]:
    c = stage_config.load(stage)
    u = USAGE[stage]
    p = PRICES
    nodes = c.cluster["desired_size"]
    node_type = c.cluster["instance_types"][0]
    s = c.search
    masters = (
        3 * p["opensearch"][s["master_instance_type"]] * HOURS if s["dedicated_master"] else 0.0
    )
    cache_nodes = c.cache["replicas_per_shard"] + 1
    rows = [
        ("EKS control plane", "1 cluster", p["eks_cluster"] * HOURS),
        (
            "EKS nodes",
            f"{nodes} x {node_type} + {c.cluster['disk_gb']} GB gp3 each",
            nodes * (p["ec2"][node_type] * HOURS + c.cluster["disk_gb"] * p["ebs_gp3_gb_month"]),
        ),
        (
            "NAT gateways",
            f"3 (one per zone) + {u['nat_gb']} GB processed",
            3 * p["nat_gateway"] * HOURS + u["nat_gb"] * p["nat_gb"],
        ),
        (
            "VPC interface endpoints",
            f"{INTERFACE_ENDPOINTS} x 3 zones",
            INTERFACE_ENDPOINTS * 3 * p["interface_endpoint_az"] * HOURS,
        ),
        ("Public IPv4 addresses", "3 NAT + 3 WebSocket ALB", 6 * p["public_ipv4"] * HOURS),
        (
            "RDS PostgreSQL Multi-AZ",
            f"{len(SERVICES)} x {c.databases['instance_class']}, {c.databases['allocated_storage_gb']} GB gp3 each",
            len(SERVICES)
            * (
                p["rds_multi_az"][c.databases["instance_class"]] * HOURS
                + c.databases["allocated_storage_gb"] * p["rds_gp3_multi_az_gb_month"]
            ),
        ),
        (
            "ElastiCache (Valkey)",
            f"{cache_nodes} x {c.cache['node_type']}",
            cache_nodes * p["valkey"][c.cache["node_type"]] * HOURS,
        ),
        (
            "OpenSearch",
            f"{s['data_instance_count']} x {s['data_instance_type']}"
            + (f" + 3 x {s['master_instance_type']} masters" if s["dedicated_master"] else "")
            + f", {s['volume_gb']} GB gp3 each",
            s["data_instance_count"]
            * (
                p["opensearch"][s["data_instance_type"]] * HOURS
                + s["volume_gb"] * p["opensearch_gp3_gb_month"]
            )
            + masters,
        ),
        (
            "Load balancers",
            f"2 ALB, {u['alb_lcu']} LCU each",
            2 * (p["alb"] + u["alb_lcu"] * p["alb_lcu"]) * HOURS,
        ),
        (
            "API Gateway HTTP API",
            f"{u['api_millions']} M requests",
            u["api_millions"] * p["http_api_per_million"],
        ),
        (
            "AWS WAF",
            "2 web ACLs x 3 rules + requests",
            2 * (p["waf_acl_month"] + 3 * p["waf_rule_month"])
            + u["api_millions"] * p["waf_per_million"],
        ),
        ("CloudFront", f"{u['cdn_gb']} GB to South America", u["cdn_gb"] * p["cloudfront_gb"]),
        (
            "CloudWatch",
            f"{u['logs_gb']} GB logs, 51 alarms, 1 dashboard",
            u["logs_gb"] * p["logs_ingest_gb"] + 51 * p["alarm_month"] + p["dashboard_month"],
        ),
        (
            "KMS, Secrets Manager, Route 53",
            f"{KMS_KEYS} keys, {SECRETS} secrets, 1 zone",
            KMS_KEYS * p["kms_key_month"] + SECRETS * p["secret_month"] + p["hosted_zone_month"],
        ),
    ]
    return rows


def thousand_tenants() -> list[tuple[str, float]]:
    """What prod adds to serve 1,000 active organizations instead of 100 (USD / month)."""
    p = PRICES
    return [
        (
            "6 more m7g.xlarge nodes (12)",
            6 * (p["ec2"]["m7g.xlarge"] * HOURS + 80 * p["ebs_gp3_gb_month"]),
        ),
        (
            "pocs and dojo databases one size up (db.m7g.xlarge)",
            2 * p["rds_multi_az"]["db.m7g.large"] * HOURS,
        ),
        (
            "450 M more API requests (500 M) and their WAF requests",
            450 * (p["http_api_per_million"] + p["waf_per_million"]),
        ),
        ("1.5 TB more through NAT (2 TB)", 1500 * p["nat_gb"]),
        ("4.5 TB more media downloads (5 TB)", 4500 * p["cloudfront_gb"]),
        ("400 GB more logs (500 GB)", 400 * p["logs_ingest_gb"]),
    ]


def main() -> None:
    totals = {}
    for stage in stage_config.STAGES:
        rows = monthly(stage)
        print(f"\n#### {stage}\n\n| item | size | USD / month |\n| --- | --- | ---: |")
        for item, size, cost in rows:
            print(f"| {item} | {size} | {cost:,.0f} |")
        totals[stage] = sum(cost for _, _, cost in rows)
        print(f"| **total** | | **{totals[stage]:,.0f}** |")
    extra = thousand_tenants()
    print("\n#### prod at 1,000 active organizations\n\n| added | USD / month |\n| --- | ---: |")
    for item, cost in extra:
        print(f"| {item} | {cost:,.0f} |")
    big = totals["prod"] + sum(cost for _, cost in extra)
    print(f"| **prod total at 1,000** | **{big:,.0f}** |")
    print(
        "\n| active organizations | prod USD / month | per organization |\n| ---: | ---: | ---: |"
    )
    print(f"| 100 | {totals['prod']:,.0f} | {totals['prod'] / 100:,.2f} |")
    print(f"| 1,000 | {big:,.0f} | {big / 1000:,.2f} |")


if __name__ == "__main__":
    main()
