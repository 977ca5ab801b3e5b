"""SQS visibility timeouts: above each queue's longest task, and no longer than that.

A dead worker's media render is picked up again by media's reaper once its
heartbeat stops (docs/adr/0039-dead-workers-and-the-reaper.md); the
visibility timeout only has to keep a running task's message from being
delivered twice. Every other queue has short tasks and no reaper, so its
timeout is how long a dead worker's message waits: two minutes at most.
"""

from __future__ import annotations

import re
from pathlib import Path

from pocdex_cdk.platform import all_queues, sqs_queue_name

from . import checks

STAGES = ("PocdexStaging", "PocdexProd")
MEDIA_SETTINGS = Path(__file__).resolve().parents[2] / "services/media/config/settings.py"


def _media_default(name: str) -> int:
    """A default of media's settings (the time limits its workers run with)."""
    found = re.search(rf'"{name}", default=(\d+)\)', MEDIA_SETTINGS.read_text())
    assert found, name
    return int(found.group(1))


def _timeouts(templates, stage: str) -> dict[str, int]:
    queues = checks.resources(templates[stage]["messaging"], "AWS::SQS::Queue").values()
    return {
        body["Properties"]["QueueName"]: int(body["Properties"]["VisibilityTimeout"])
        for body in queues
        if "RedrivePolicy" in body["Properties"]
    }


def test_render_queues_outlast_the_hard_time_limits_and_the_retry_countdown(templates) -> None:
    longest_retry = 300  # media's render retries wait at most 5 minutes (jobs/tasks.py)
    for stage in STAGES:
        timeouts = _timeouts(templates, stage)
        for queue, limit in (
            ("media.videos", "MEDIA_VIDEO_HARD_SECONDS"),
            ("media.reports", "MEDIA_REPORT_HARD_SECONDS"),
        ):
            timeout = timeouts[sqs_queue_name(queue)]
            assert timeout > max(_media_default(limit), longest_retry), (stage, queue)
            assert timeout <= _media_default(limit) + 120, (stage, queue)


def test_every_other_queue_gives_a_dead_workers_message_back_within_two_minutes(
    templates,
) -> None:
    for stage in STAGES:
        timeouts = _timeouts(templates, stage)
        others = [q for q in all_queues() if q not in ("media.videos", "media.reports")]
        assert others
        for queue in others:
            # Event handlers and retries (at most 60 s of countdown) fit in it.
            assert 60 < timeouts[sqs_queue_name(queue)] <= 120, (stage, queue)
