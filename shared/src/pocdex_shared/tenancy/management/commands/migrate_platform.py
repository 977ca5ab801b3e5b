"""Migrate the public schema, the tenant base schema and every tenant schema."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django_tenants.utils import get_public_schema_name, get_tenant_model

from pocdex_shared.tenancy.provisioning import ensure_base_schema


def existing_schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        return {row[0] for row in cursor.fetchall()}


class Command(BaseCommand):
    help = "Migrate public, the tenant template schema and all tenant schemas (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options.get("verbosity", 1))
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        ensure_base_schema(verbosity=verbosity)
        # A replica row may exist before its schema (an update event that
        # overtook the creation, a provisioning that failed half-way): such a
        # tenant is provisioned from the template later, by its event or by
        # sync_tenants, and must not stop the migration of the others.
        present = existing_schemas()
        tenants = (
            get_tenant_model()
            .objects.exclude(schema_name=get_public_schema_name())
            .values_list("schema_name", flat=True)
            .order_by("schema_name")
        )
        waiting = 0
        for schema in tenants:
            if schema not in present:
                waiting += 1
                continue
            call_command(
                "migrate_schemas",
                tenant=True,
                schema_name=schema,
                interactive=False,
                verbosity=verbosity,
            )
        if waiting:
            self.stderr.write(
                f"{waiting} tenant(s) have no schema yet; their provisioning will create it"
            )
        self.stdout.write(self.style.SUCCESS("platform schemas migrated"))
