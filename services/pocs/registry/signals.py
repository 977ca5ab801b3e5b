"""The seam where other parts of pocs learn that a POC changed.

Every write in ``services.py`` schedules ``poc_changed`` with
``transaction.on_commit``, so it runs only for committed changes and never
inside the request's transaction. It does nothing yet: search indexing plugs in
here (queue a Celery task that reads the POC and updates or removes its
document), and must stay cheap and must not raise, since the write already
succeeded.
"""

from __future__ import annotations

import uuid


def poc_changed(poc_id: uuid.UUID, tenant_id: uuid.UUID | str) -> None:
    """A POC was created, updated, deleted or restored in ``tenant_id``'s schema."""
    # Search: queue the document's sync (search/sync.py). The change already left a
    # pending row in its transaction, so a lost message is caught up later.
    from search.sync import enqueue

    enqueue(poc_id, tenant_id)
