"""Turn on two-factor authentication for a member of the platform staff.

Staff may have no organization, so no access token to enroll through the API:

    python manage.py staff_totp staff@example.com            # prints the secret to scan
    python manage.py staff_totp staff@example.com --code 123456   # confirms, prints recovery codes

From then on the back-office login asks for a code. ``--disable`` turns it off
(for a lost phone, after checking who asks).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from identity.models import User, normalize_email
from identity.services import totp_confirm, totp_start
from pocdex_shared.errors import ApiError


class Command(BaseCommand):
    help = "Enroll a staff member in two-factor authentication (then confirm with --code)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--code", help="A code from the authenticator app, to confirm.")
        parser.add_argument("--disable", action="store_true", help="Turn two-factor off.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=normalize_email(options["email"]), is_staff=True).first()
        if user is None:
            raise CommandError("No staff member with this email.")
        try:
            if options["disable"]:
                User.objects.filter(pk=user.pk).update(totp_enabled=False, totp_secret="")
                user.recovery_codes.all().delete()
                self.stdout.write("Two-factor authentication is off.")
            elif options["code"]:
                codes = totp_confirm(user=user, code=options["code"])
                self.stdout.write("Two-factor authentication is on. Recovery codes (shown once):")
                for code in codes:
                    self.stdout.write(f"  {code}")
            else:
                started = totp_start(user=user)
                self.stdout.write(f"Secret: {started['secret']}")
                self.stdout.write(f"Add it to an authenticator app: {started['otpauth_uri']}")
                self.stdout.write(f"Then: manage.py staff_totp {user.email} --code <code>")
        except ApiError as exc:
            raise CommandError(str(exc.detail)) from None
