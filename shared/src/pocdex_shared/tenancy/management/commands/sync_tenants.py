"""Pull every organization from accounts and provision the ones this service lacks.

Events deliver new organizations; this command covers what events cannot: a
service deployed after organizations already existed, or a replica lost with a
database restore. Idempotent; run by each replica service's setup and safe to
run at any time.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pocdex_shared.internal import default_provider, iter_pages
from pocdex_shared.tenancy.events import report_provisioned
from pocdex_shared.tenancy.provisioning import apply_tenant_created


class Command(BaseCommand):
    help = "Provision every organization known to accounts that this service lacks (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.POCDEX_SERVICE == "accounts":
            raise CommandError("accounts is the system of record; it has nothing to sync from.")
        url = settings.ACCOUNTS_URL.rstrip("/") + "/internal/v1/tenants"
        seen = reported = 0
        for payload in iter_pages(url, audience_service="accounts", provider=default_provider()):
            with transaction.atomic():
                tenant = apply_tenant_created(payload)
                seen += 1
                # Accounts waits for every service's report while it provisions.
                if payload.get("status") == "provisioning":
                    report_provisioned(str(tenant.id))
                    reported += 1
        self.stdout.write(f"{seen} organization(s) in sync; {reported} reported provisioned")
