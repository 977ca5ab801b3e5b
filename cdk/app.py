"""The Pocdex CDK app: every stage of ``config/`` (or those named in ``POCDEX_STAGES``).

cdk-nag's AwsSolutions pack checks every stack at synthesis; a finding that is
not acknowledged (with its reason, in the code next to the resource) fails it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks
from pocdex_cdk import config
from pocdex_cdk.stage import PocdexStage

HERE = Path(__file__).resolve().parent


def build(stages: list[str] | None = None, *, nag: bool = True, outdir: str | None = None) -> App:
    # The committed context (the pinned availability zones) also when run without the CLI (tests).
    context = json.loads((HERE / "cdk.context.json").read_text())
    app = App(context=context, outdir=outdir)
    names = stages or [
        s for s in os.environ.get("POCDEX_STAGES", ",".join(config.STAGES)).split(",") if s
    ]
    for name in names:
        cfg = config.load(name)
        PocdexStage(app, cfg.stack_prefix, config=cfg)
    if nag:
        Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app


if __name__ == "__main__":
    build().synth()
