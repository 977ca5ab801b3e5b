"""Create the plans' products and BRL prices at the payment provider, idempotently."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from billing.services import catalog_sync


class Command(BaseCommand):
    help = "Create the plans' products and prices (BRL, monthly and yearly) by lookup key; safe to rerun."

    def handle(self, *args: Any, **options: Any) -> None:
        result = catalog_sync()
        for key in result.created:
            self.stdout.write(f"created {key}")
        for key in result.found:
            self.stdout.write(f"found {key}")
        self.stdout.write(
            f"catalog: {len(result.created)} created, {len(result.found)} found, "
            f"{len(result.unchanged)} unchanged"
        )
