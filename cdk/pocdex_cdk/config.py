"""Stage configuration: sizes and names per environment, read from ``config/<stage>.json``.

Stages differ in sizes, never in topology: every stage spans three availability
zones, pinned by name so that synthesis needs no AWS credentials.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
STAGES = ("staging", "prod")


@dataclass(frozen=True)
class StageConfig:
    raw: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.raw[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def is_prod(self) -> bool:
        return self.raw["name"] == "prod"

    @property
    def bucket_prefix(self) -> str:
        """``S3_BUCKET_PREFIX`` of the services: ``pocdex-<stage>-t-`` (tenant buckets)."""
        return f"pocdex-{self.raw['name']}-t-"

    def media_signing_public_key(self) -> str:
        return (CONFIG_DIR.parent / self.raw["media_signing_public_key_file"]).read_text()


def load(stage: str) -> StageConfig:
    raw = json.loads((CONFIG_DIR / f"{stage}.json").read_text())
    azs = raw["availability_zones"]
    if len(azs) != 3 or len(set(azs)) != 3:
        raise ValueError(f"stage {stage}: exactly three distinct availability zones are required")
    if raw["search"]["data_instance_count"] % 3:
        raise ValueError(f"stage {stage}: OpenSearch data nodes must be a multiple of 3")
    if raw["cluster"]["min_size"] < 3:
        raise ValueError(f"stage {stage}: the node group needs at least one node per zone")
    return StageConfig(raw)
