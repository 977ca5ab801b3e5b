"""Seed the demo organization with an owner, an admin and a member (idempotent)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from identity.models import User
from organizations.links import console_url
from organizations.models import Membership, Organization, Role
from organizations.services import SignupResult, organization_create, organization_signup

DEMO_PASSWORD = "pocdex-demo-2026"  # noqa: S105 - local demo data, printed to the developer
DEMO_SLUG = "demo"
PEOPLE = [
    ("owner@demo.pocdex.local", "Ana Souza", Role.OWNER),
    ("admin@demo.pocdex.local", "Bruno Lima", Role.ADMIN),
    ("member@demo.pocdex.local", "Carla Mendes", Role.MEMBER),
]


class Command(BaseCommand):
    help = "Create the demo organization and its people if missing."

    def handle(self, *args: Any, **options: Any) -> None:
        owner_email, owner_name, _ = PEOPLE[0]
        organization = Organization.objects.filter(slug=DEMO_SLUG).first()
        if organization is None:
            owner = User.objects.filter(email=owner_email).first()
            if owner is None:
                result = organization_signup(
                    organization_name="Demo Pocdex",
                    organization_slug=DEMO_SLUG,
                    owner_name=owner_name,
                    email=owner_email,
                    password=DEMO_PASSWORD,
                    locale="pt-BR",
                )
            else:
                result = organization_create(
                    owner=owner,
                    organization_name="Demo Pocdex",
                    organization_slug=DEMO_SLUG,
                    locale="pt-BR",
                )
            if not isinstance(result, SignupResult):
                raise CommandError(f"{owner_email} could not create {DEMO_SLUG}")
            organization = result.organization
        with transaction.atomic():
            for email, name, role in PEOPLE[1:]:
                user = User.objects.filter(email=email).first() or User.objects.create_user(
                    email, DEMO_PASSWORD, name=name, locale="pt-BR"
                )
                Membership.objects.get_or_create(
                    organization=organization, user=user, defaults={"role": role}
                )
            User.objects.filter(
                email__in=[p[0] for p in PEOPLE], email_verified_at__isnull=True
            ).update(email_verified_at=organization.created_at)
        staff = User.objects.filter(email="staff@pocdex.local").first()
        if staff is None:
            User.objects.create_superuser("staff@pocdex.local", DEMO_PASSWORD, name="Pocdex staff")
        base = settings.APP_LINK_BASE
        self.stdout.write(f"Demo organization: {DEMO_SLUG} (status {organization.status})")
        for email, _name, role in PEOPLE:
            self.stdout.write(f"  {role:<6} {email} / {DEMO_PASSWORD}")
        self.stdout.write(f"Back office: {base}/admin/  staff@pocdex.local / {DEMO_PASSWORD}")
        console = console_url(DEMO_SLUG)
        self.stdout.write(f"Owner console: {console}  (the owner or the admin above)")
