"""Run the purge sweep now, optionally as if at another moment (``--at``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lgpd.services import purge_due


class Command(BaseCommand):
    help = "Purge the organizations whose grace period ended (publish tenant.purged, finalize)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--at", help="ISO 8601 moment with its offset (default: now)")

    def handle(self, *args: Any, **options: Any) -> None:
        at = None
        if options.get("at"):
            try:
                at = datetime.fromisoformat(options["at"])
            except ValueError as exc:
                raise CommandError(f"--at is not an ISO 8601 moment: {exc}") from None
            if at.tzinfo is None:
                raise CommandError("--at needs a UTC offset")
        for tenant_id in purge_due(now=at):
            self.stdout.write(tenant_id)
