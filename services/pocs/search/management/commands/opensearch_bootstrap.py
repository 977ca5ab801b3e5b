"""Map pocs' IAM role to its role in the OpenSearch domain (run as a Helm hook on every deploy)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pocdex_shared.conf import env, required
from search.bootstrap import BootstrapError, ensure_pocs_access


class Command(BaseCommand):
    help = (
        "Create the OpenSearch security plugin role 'pocs' and map it to pocs' IAM role "
        "(backend role) as the domain's master user. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--role-arn",
            default="",
            help="pocs' IAM role (default: OPENSEARCH_POCS_ROLE_ARN, the Compute.PocsRoleArn output)",
        )
        parser.add_argument(
            "--endpoint", default="", help="the domain's URL (default: OPENSEARCH_URL)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        role_arn = options["role_arn"] or env.str("OPENSEARCH_POCS_ROLE_ARN", default="")
        if not role_arn:
            raise CommandError("pocs' IAM role is needed: --role-arn or OPENSEARCH_POCS_ROLE_ARN")
        try:
            result = ensure_pocs_access(
                options["endpoint"] or settings.OPENSEARCH_URL,
                role_arn=role_arn,
                username=required("OPENSEARCH_MASTER_USER", purpose="the domain's master user"),
                password=required(
                    "OPENSEARCH_MASTER_PASSWORD", purpose="the domain's master user's password"
                ),
                ca_bundle=str(getattr(settings, "OPENSEARCH_CA_BUNDLE", "")),
            )
        except BootstrapError as exc:
            raise CommandError(str(exc)) from exc
        for item in result.changed:
            self.stdout.write(f"changed: {item}")
        for item in result.unchanged:
            self.stdout.write(f"unchanged: {item}")
