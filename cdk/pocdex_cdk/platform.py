"""What the infrastructure takes from the services' own code, without importing Django.

The queue list and the SQS naming rule live in ``shared/src/pocdex_shared``
(``queues.py`` and ``events/sqs.py``); both modules import nothing but the
standard library and each other, so putting ``shared/src`` on ``sys.path`` is
enough. The infrastructure never re-spells them.
"""

from __future__ import annotations

import sys
from pathlib import Path

SHARED_SRC = Path(__file__).resolve().parents[2] / "shared" / "src"
if str(SHARED_SRC) not in sys.path:
    sys.path.insert(0, str(SHARED_SRC))

from pocdex_shared.events.sqs import sqs_queue_name  # noqa: E402
from pocdex_shared.events.sqs_setup import dead_letter_queue_name  # noqa: E402
from pocdex_shared.queues import SERVICE_QUEUES, all_queues  # noqa: E402

#: The four services, in the order the shared declaration lists them.
SERVICES: tuple[str, ...] = tuple(SERVICE_QUEUES)

__all__ = ["SERVICES", "all_queues", "dead_letter_queue_name", "sqs_queue_name"]
