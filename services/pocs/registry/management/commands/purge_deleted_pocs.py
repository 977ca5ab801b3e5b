"""``manage.py purge_deleted_pocs [--dry-run]``: what the beat task does, on demand."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from registry.cleanup import purge_deleted_pocs


class Command(BaseCommand):
    help = (
        "Purge, in every organization, the POCs deleted more than POC_RESTORE_WINDOW_DAYS ago: "
        "rows, attachment objects and search documents."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be purged; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = purge_deleted_pocs(dry_run=options["dry_run"])
        verb = "would purge" if report.dry_run else "purged"
        self.stdout.write(
            f"{verb} {report.pocs} POCs deleted more than {settings.POC_RESTORE_WINDOW_DAYS} "
            f"days ago in {report.tenants} organizations: {report.attachments} attachments, "
            f"{report.objects} stored objects"
            + ("" if report.dry_run else f", {report.documents} search documents")
        )
        if report.kept:
            self.stderr.write(
                f"kept {len(report.kept)} POCs whose files could not be deleted "
                f"(next sweep retries): {', '.join(report.kept[:10])}"
            )
