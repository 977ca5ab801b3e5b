"""Rotate the JWT signing key without downtime.

The new key signs from now on; the previous key stays in the JWKS until every
access token it signed has expired, then ``--prune`` (or the next rotation)
removes it.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tokens.keys import ensure_signing_key, prune_retired_keys, published_keys, rotate_signing_key


class Command(BaseCommand):
    help = (
        "Rotate the access-token signing key (old keys stay published until their tokens expire)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-missing", action="store_true", help="Only create a key if none signs."
        )
        parser.add_argument("--prune", action="store_true", help="Only drop keys past retirement.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["prune"]:
            self.stdout.write(f"pruned {prune_retired_keys()} retired key(s)")
        elif options["if_missing"]:
            self.stdout.write(f"signing key {ensure_signing_key().kid}")
        else:
            pruned = prune_retired_keys()
            key = rotate_signing_key()
            self.stdout.write(f"new signing key {key.kid}; pruned {pruned} retired key(s)")
        kids = ", ".join(k.kid + (" (signing)" if k.signing else "") for k in published_keys())
        self.stdout.write(f"published: {kids}")
