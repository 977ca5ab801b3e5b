"""Migrate the public schema, the tenant base schema and every tenant schema."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from pocdex_shared.tenancy.provisioning import ensure_base_schema


class Command(BaseCommand):
    help = "Migrate public, the tenant template schema and all tenant schemas (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options.get("verbosity", 1))
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        ensure_base_schema(verbosity=verbosity)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)
        self.stdout.write(self.style.SUCCESS("platform schemas migrated"))
