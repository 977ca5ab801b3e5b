"""One stage (staging, prod): the same stacks, sizes from ``config/<stage>.json``."""

from __future__ import annotations

from aws_cdk import Environment, Stage, Tags
from constructs import Construct

from .cache import CacheStack
from .compute import ComputeStack
from .config import StageConfig
from .data import DataStack
from .edge import EdgeStack
from .messaging import MessagingStack
from .network import NetworkStack
from .observability import ObservabilityStack
from .search import SearchStack
from .storage import StorageStack


class PocdexStage(Stage):
    def __init__(self, scope: Construct, cid: str, *, config: StageConfig) -> None:
        env = Environment(account=config.account, region=config.region)
        super().__init__(scope, cid, env=env)
        Tags.of(self).add("pocdex:stage", config.name)
        Tags.of(self).add("pocdex:managed-by", "cdk")
        p = config.stack_prefix
        self.network = NetworkStack(
            self, "Network", stack_name=f"{p}-Network", config=config, env=env
        )
        shared = {
            "config": config,
            "vpc": self.network.vpc,
            "workloads_sg": self.network.workloads_sg,
            "env": env,
        }
        self.data = DataStack(self, "Data", stack_name=f"{p}-Data", **shared)
        self.cache = CacheStack(self, "Cache", stack_name=f"{p}-Cache", **shared)
        self.search = SearchStack(self, "Search", stack_name=f"{p}-Search", **shared)
        self.messaging = MessagingStack(
            self, "Messaging", stack_name=f"{p}-Messaging", config=config, env=env
        )
        self.storage = StorageStack(
            self, "Storage", stack_name=f"{p}-Storage", config=config, env=env
        )
        self.compute = ComputeStack(
            self,
            "Compute",
            stack_name=f"{p}-Compute",
            databases=self.data.instances,
            database_key_arn=self.data.key.key_arn,
            cache_secret=self.cache.auth_token,
            cache_key_arn=self.cache.key.key_arn,
            opensearch_pocs_secret=self.search.pocs_secret,
            opensearch_master_secret=self.search.master_secret,
            search_key_arn=self.search.key.key_arn,
            queues=self.messaging.queues,
            dead_letters=self.messaging.dead_letters,
            messaging_key_arn=self.messaging.key.key_arn,
            **shared,
        )
        self.edge = EdgeStack(
            self,
            "Edge",
            stack_name=f"{p}-Edge",
            log_bucket=self.storage.log_bucket,
            cdn_domain_name=self.storage.distribution.distribution_domain_name,
            **shared,
        )
        self.edge.add_dependency(self.compute)
        self.observability = ObservabilityStack(
            self,
            "Observability",
            stack_name=f"{p}-Observability",
            config=config,
            api_id=self.edge.api_id,
            ws_alb_full_name=self.edge.ws_alb.load_balancer_full_name,
            env=env,
        )
