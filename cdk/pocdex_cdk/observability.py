"""Observability: the alarm topic, alarms on every component, one dashboard, the services' log group.

Alarms name their resources by the deterministic names the other stacks give
them, so this stack reads no other stack's outputs. A Multi-AZ RDS instance's
standby is synchronous and not readable, so it has no replica lag to watch;
its failover shows in the instance's events and in the CPU and connection
alarms here.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from constructs import Construct

from .common import customer_key, encrypted_log_group
from .config import StageConfig
from .data import db_identifier
from .messaging import dead_letter_name
from .platform import SERVICES, all_queues, sqs_queue_name
from .search import domain_name

FIVE_MINUTES = Duration.minutes(5)


class ObservabilityStack(Stack):
    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        config: StageConfig,
        api_id: str,
        ws_alb_full_name: str,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, cid, **kwargs)
        key = customer_key(self, "AlarmKey", f"pocdex {config.name}: alarm topic")
        key.grant_encrypt_decrypt(iam.ServicePrincipal("cloudwatch.amazonaws.com"))
        self.topic = sns.Topic(
            self,
            "Alarms",
            topic_name=f"pocdex-{config.name}-alarms",
            master_key=key,
            enforce_ssl=True,
        )
        self.topic.add_subscription(subs.EmailSubscription(config.alarm_email))
        encrypted_log_group(self, "ServiceLogs", f"/pocdex/{config.name}/services", config)
        action = actions.SnsAction(self.topic)
        self.alarms: list[cw.Alarm] = []

        def alarm(
            cid: str,
            metric: cw.IMetric,
            threshold: float,
            description: str,
            comparison: cw.ComparisonOperator = cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            periods: int = 3,
        ) -> cw.Alarm:
            a = cw.Alarm(
                self,
                cid,
                metric=metric,
                threshold=threshold,
                evaluation_periods=periods,
                comparison_operator=comparison,
                alarm_description=description,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )
            a.add_alarm_action(action)
            a.add_ok_action(action)
            self.alarms.append(a)
            return a

        # Edge: 5xx rate and p95 latency of the HTTP API; 5xx of the WebSocket ALB.
        api_dims = {"ApiId": api_id}
        errors = cw.MathExpression(
            expression="100 * e / MAX([r, 1])",
            using_metrics={
                "e": cw.Metric(
                    namespace="AWS/ApiGateway",
                    metric_name="5xx",
                    dimensions_map=api_dims,
                    statistic="Sum",
                    period=FIVE_MINUTES,
                ),
                "r": cw.Metric(
                    namespace="AWS/ApiGateway",
                    metric_name="Count",
                    dimensions_map=api_dims,
                    statistic="Sum",
                    period=FIVE_MINUTES,
                ),
            },
            label="5xx %",
            period=FIVE_MINUTES,
        )
        alarm(
            "Api5xx", errors, config.alarms["error_5xx_percent"], "HTTP API: share of 5xx answers"
        )
        latency = cw.Metric(
            namespace="AWS/ApiGateway",
            metric_name="Latency",
            dimensions_map=api_dims,
            statistic="p95",
            period=FIVE_MINUTES,
        )
        alarm(
            "ApiLatencyP95", latency, config.alarms["p95_latency_ms"], "HTTP API: p95 latency (ms)"
        )
        ws5xx = cw.Metric(
            namespace="AWS/ApplicationELB",
            metric_name="HTTPCode_Target_5XX_Count",
            dimensions_map={"LoadBalancer": ws_alb_full_name},
            statistic="Sum",
            period=FIVE_MINUTES,
        )
        alarm("Ws5xx", ws5xx, 10, "WebSocket ALB: dojo 5xx answers")

        # Databases.
        for service in SERVICES:
            dims = {"DBInstanceIdentifier": db_identifier(config.name, service)}
            name = service.capitalize()
            alarm(
                f"{name}DbCpu",
                cw.Metric(
                    namespace="AWS/RDS",
                    metric_name="CPUUtilization",
                    dimensions_map=dims,
                    statistic="Average",
                    period=FIVE_MINUTES,
                ),
                80,
                f"RDS {service}: CPU above 80%",
            )
            alarm(
                f"{name}DbStorage",
                cw.Metric(
                    namespace="AWS/RDS",
                    metric_name="FreeStorageSpace",
                    dimensions_map=dims,
                    statistic="Minimum",
                    period=FIVE_MINUTES,
                ),
                config.databases["allocated_storage_gb"] * 0.1 * 1024**3,
                f"RDS {service}: under 10% of its initial storage free",
                cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            )
            alarm(
                f"{name}DbConnections",
                cw.Metric(
                    namespace="AWS/RDS",
                    metric_name="DatabaseConnections",
                    dimensions_map=dims,
                    statistic="Maximum",
                    period=FIVE_MINUTES,
                ),
                config.databases["max_connections"] * 0.8,
                f"RDS {service}: connections above 80% of max_connections",
            )

        # Cache.
        alarm(
            "CacheMemory",
            cw.Metric(
                namespace="AWS/ElastiCache",
                metric_name="DatabaseMemoryUsagePercentage",
                dimensions_map={"ReplicationGroupId": f"pocdex-{config.name}"},
                statistic="Maximum",
                period=FIVE_MINUTES,
            ),
            80,
            "Valkey: memory above 80%",
        )

        # Search.
        es_dims = {"DomainName": domain_name(config.name), "ClientId": self.account}
        alarm(
            "SearchRed",
            cw.Metric(
                namespace="AWS/ES",
                metric_name="ClusterStatus.red",
                dimensions_map=es_dims,
                statistic="Maximum",
                period=Duration.minutes(1),
            ),
            0,
            "OpenSearch: cluster red",
            periods=1,
        )
        alarm(
            "SearchYellow",
            cw.Metric(
                namespace="AWS/ES",
                metric_name="ClusterStatus.yellow",
                dimensions_map=es_dims,
                statistic="Maximum",
                period=Duration.minutes(1),
            ),
            0,
            "OpenSearch: cluster yellow",
            periods=5,
        )

        # Queues: depth and age of every queue, anything in a dead-letter queue.
        for celery_queue in all_queues():
            name = "".join(part.capitalize() for part in celery_queue.split("."))
            dims = {"QueueName": sqs_queue_name(celery_queue)}
            alarm(
                f"{name}Depth",
                cw.Metric(
                    namespace="AWS/SQS",
                    metric_name="ApproximateNumberOfMessagesVisible",
                    dimensions_map=dims,
                    statistic="Maximum",
                    period=FIVE_MINUTES,
                ),
                config.queues["depth_alarm"],
                f"{celery_queue}: backlog",
            )
            alarm(
                f"{name}Age",
                cw.Metric(
                    namespace="AWS/SQS",
                    metric_name="ApproximateAgeOfOldestMessage",
                    dimensions_map=dims,
                    statistic="Maximum",
                    period=FIVE_MINUTES,
                ),
                config.queues["age_alarm_seconds"],
                f"{celery_queue}: oldest message age (s)",
            )
            alarm(
                f"{name}Dead",
                cw.Metric(
                    namespace="AWS/SQS",
                    metric_name="ApproximateNumberOfMessagesVisible",
                    dimensions_map={"QueueName": dead_letter_name(celery_queue)},
                    statistic="Maximum",
                    period=FIVE_MINUTES,
                ),
                0,
                f"{celery_queue}: messages in the dead-letter queue",
                periods=1,
            )

        dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=f"pocdex-{config.name}")
        dashboard.add_widgets(cw.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24))
        dashboard.add_widgets(
            cw.GraphWidget(title="API 5xx %", left=[errors], width=8),
            cw.GraphWidget(title="API p95 latency", left=[latency], width=8),
            cw.GraphWidget(title="Dojo WebSocket 5xx", left=[ws5xx], width=8),
        )
