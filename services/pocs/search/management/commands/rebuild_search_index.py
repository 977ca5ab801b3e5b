import logging
from typing import Any

from django.core.management.base import BaseCommand

from search.rebuild import rebuild


class Command(BaseCommand):
    help = (
        "Build a new search index from every organization's POCs, point the alias at it "
        "and delete the old one. Safe to run at any time, and again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # The client logs every request at INFO: not what someone running this wants to read.
        logging.getLogger("opensearch").setLevel(logging.WARNING)
        result = rebuild()
        self.stderr.write(
            f"search index {result.index}: {result.documents} documents"
            + (f", replaced {', '.join(result.removed)}" if result.removed else "")
        )
