"""Writes about organizations: signup, provisioning, status, members, invitations."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name, schema_context
from rest_framework.exceptions import ErrorDetail, ValidationError

from audit.services import audit_record
from identity import throttling
from identity.models import Locale, User, normalize_email
from identity.selectors import user_by_email
from identity.services import (
    email_verification_send,
    password_check_strength,
    second_factor_check,
)
from notifications import queue_mail
from pocdex_shared.errors import ApiError
from pocdex_shared.events.outbox import publish
from pocdex_shared.plans import check_limit
from pocdex_shared.tenancy.events import TENANT_CREATED, TENANT_UPDATED
from pocdex_shared.tenancy.models import TenantStatus, schema_name_for
from pocdex_shared.tenancy.provisioning import provision_schema
from tokens.services import TokenPair, tokens_issue, tokens_revoke_access, tokens_revoke_for

from .models import Domain, Invitation, Membership, Organization, Role, ServiceProvision
from .selectors import seats_taken

# The console's login asks this module whether an organization requires two-factor.
from .two_factor import two_factor_check as two_factor_check
from .two_factor import two_factor_required as two_factor_required

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "app",
        "www",
        "static",
        "media",
        "public",
        "root",
        "pocdex",
        "mail",
        "status",
        "help",
        "support",
        "docs",
        "auth",
        "login",
        "signup",
        "ws",
        "tenant-base",
    }
)
INVITATION_SALT = "pocdex.invitation"


def _field_error(field: str, code: str, message: str) -> ValidationError:
    return ValidationError({field: [ErrorDetail(message, code=code)]})


# Signup and provisioning ------------------------------------------------------


@dataclass(frozen=True)
class SignupResult:
    organization: Organization
    user: User
    membership: Membership
    tokens: TokenPair


@dataclass(frozen=True)
class SignupMailed:
    """Signup with an email that already has an identity: nothing was created.

    The address was mailed instead: whoever owns it adds organizations after
    logging in (``organization_create``), through the login's throttles and
    second factor. The password given was not checked.
    """

    email: str


def slug_check(slug: str) -> str:
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug) or "--" in slug:
        raise _field_error(
            "organization_slug",
            "slug_invalid",
            str(_("Use 3 to 63 lowercase letters, digits and single hyphens.")),
        )
    if slug in RESERVED_SLUGS or Organization.objects.filter(slug=slug).exists():
        raise _slug_taken()
    return slug


def _slug_taken() -> ValidationError:
    return _field_error("organization_slug", "slug_taken", str(_("This address is already taken.")))


def _organization_with_owner(
    *, slug: str, organization_name: str, locale: str, owner: User
) -> tuple[Organization, Membership]:
    """Insert an organization, its domain and its owner, and announce it (inside a transaction).

    Tenants are created from the public schema whatever the request's token chose.
    """
    org_id = uuid.uuid4()
    organization = Organization.objects.create(
        id=org_id,
        slug=slug,
        name=organization_name.strip(),
        locale=locale,
        schema_name=schema_name_for(org_id),
        status=TenantStatus.PROVISIONING,
    )
    Domain.objects.create(
        domain=f"{slug}.{settings.PUBLIC_BASE_DOMAIN}", tenant=organization, is_primary=True
    )
    membership = Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
    publish(TENANT_CREATED, organization.replica_payload(), tenant_id=organization.id)
    return organization, membership


def _mail_existing_identity(user: User) -> SignupMailed:
    """Tell the owner of an address that someone signed up with it (no text of theirs in it)."""
    queue_mail(
        to=user.email,
        template="signup_existing",
        locale=user.locale,
        context={
            "user_name": user.name,
            "login_url": f"{settings.APP_LINK_BASE}/login",
        },
    )
    return SignupMailed(email=user.email)


def organization_signup(
    *,
    organization_name: str,
    organization_slug: str,
    owner_name: str,
    email: str,
    password: str,
    locale: str,
) -> SignupResult | SignupMailed:
    """Create an organization and its owner, and ask every service to provision it.

    An email that already has an identity gets nothing here: its password is
    not checked (signup would be a way around the login's throttles and second
    factor), nothing is created, and the address is mailed; the person adds the
    organization after logging in (``organization_create``). Until that point
    both cases do the same work (password rules, slug, one password hash) and
    give the same errors, so the answer only differs by its success status.
    """
    email = normalize_email(email)
    slug = slug_check(organization_slug)
    password_check_strength(password=password, user=User(email=email, name=owner_name))
    # Each signup may mail the address's owner: a budget per address, spent alike
    # whether or not it has an account.
    throttling.hit("signup_account", email)
    existing = user_by_email(email)
    if existing is not None:
        make_password(password)  # the hashing a new identity costs
        return _mail_existing_identity(existing)
    try:
        with schema_context(get_public_schema_name()), transaction.atomic():
            user = User.objects.create_user(email, password, name=owner_name.strip(), locale=locale)
            organization, membership = _organization_with_owner(
                slug=slug, organization_name=organization_name, locale=locale, owner=user
            )
            email_verification_send(user=user)
            tokens = tokens_issue(user=user, membership=membership)
    except IntegrityError:
        # Two signups raced for the same slug or the same email.
        if Organization.objects.filter(slug=slug).exists():
            raise _slug_taken() from None
        existing = user_by_email(email)
        if existing is None:
            raise
        return _mail_existing_identity(existing)
    return SignupResult(organization=organization, user=user, membership=membership, tokens=tokens)


def organization_create(
    *, owner: User, organization_name: str, organization_slug: str, locale: str
) -> SignupResult:
    """A logged-in person creates another organization and becomes its owner.

    This is how an existing identity (a freelancer with several clients) adds
    organizations: the token proves a login, with its throttles and second
    factor. The answer carries tokens for the new organization.
    """
    slug = slug_check(organization_slug)
    throttling.hit("organization_create_account", str(owner.id))
    try:
        with schema_context(get_public_schema_name()), transaction.atomic():
            organization, membership = _organization_with_owner(
                slug=slug, organization_name=organization_name, locale=locale, owner=owner
            )
            tokens = tokens_issue(user=owner, membership=membership)
    except IntegrityError:
        raise _slug_taken() from None
    return SignupResult(organization=organization, user=owner, membership=membership, tokens=tokens)


def organization_provision_own_schema(*, organization_id: str) -> None:
    """Accounts' handler of ``tenant.created``: its own schema, then report like any service."""
    organization = Organization.objects.get(id=organization_id)
    provision_schema(organization)
    organization_mark_provisioned(organization_id=organization_id, service="accounts")


def organization_mark_provisioned(*, organization_id: str, service: str) -> Organization:
    """Record one service's report; the organization is active once all have reported."""
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(id=organization_id)
        ServiceProvision.objects.get_or_create(organization=organization, service=service)
        reported = set(organization.provisions.values_list("service", flat=True))
        if organization.status == TenantStatus.PROVISIONING and reported >= set(
            settings.POCDEX_SERVICES
        ):
            organization.status = TenantStatus.ACTIVE
            organization.activated_at = timezone.now()
            organization.save(update_fields=["status", "activated_at"])
            publish(TENANT_UPDATED, organization.replica_payload(), tenant_id=organization.id)
    return organization


def organization_set_status(
    *, organization: Organization, suspended: bool, actor_id: uuid.UUID | None
) -> Organization:
    """Suspend or reactivate. Every service refuses a suspended organization's tokens."""
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        if suspended:
            new_status = TenantStatus.SUSPENDED
        else:
            reported = set(organization.provisions.values_list("service", flat=True))
            done = reported >= set(settings.POCDEX_SERVICES)
            new_status = TenantStatus.ACTIVE if done else TenantStatus.PROVISIONING
        if organization.status == new_status:
            return organization
        organization.status = new_status
        organization.suspended_at = timezone.now() if suspended else None
        organization.save(update_fields=["status", "suspended_at"])
        publish(TENANT_UPDATED, organization.replica_payload(), tenant_id=organization.id)
    audit_record(
        organization=organization,
        actor_id=actor_id,
        action="organization.suspended" if suspended else "organization.reactivated",
    )
    return organization


# Settings -----------------------------------------------------------------------


def organization_settings_update(
    *, actor: Membership, name: str | None = None, locale: str | None = None
) -> Organization:
    """Rename the organization or change its default language (owners and admins).

    The default language is the one of the organization's mails and pages for
    whoever has no language of their own yet (an invited address, a new account).
    """
    if not _can_manage(actor.role):
        raise ApiError(
            "permission_denied", _("Only owners and admins change the settings."), status=403
        )
    changes: dict[str, str] = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise _field_error("name", "required", str(_("Give the organization a name.")))
        changes["name"] = name
    if locale is not None:
        if locale not in Locale.values:
            raise _field_error("locale", "invalid_choice", str(_("Choose pt-BR or English.")))
        changes["locale"] = locale
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=actor.organization_id)
        changed = {
            field: (getattr(organization, field), value)
            for field, value in changes.items()
            if getattr(organization, field) != value
        }
        for field, (_previous, value) in changed.items():
            setattr(organization, field, value)
        if changed:
            organization.save(update_fields=list(changed))
    if "name" in changed:
        audit_record(
            organization=organization,
            actor_id=actor.user_id,
            action="organization.renamed",
            data={"from": changed["name"][0], "to": changed["name"][1]},
        )
    if "locale" in changed:
        audit_record(
            organization=organization,
            actor_id=actor.user_id,
            action="organization.locale_changed",
            data={"from": changed["locale"][0], "to": changed["locale"][1]},
        )
    return organization


def organization_two_factor_set(*, actor: Membership, required: bool) -> Organization:
    """Require two-factor of every member, or stop requiring it (owners only).

    An owner turns it on only with two-factor on themselves (else the next
    login would lock them out). Turning it on ends the sessions of the members
    without two-factor here: their tokens are refused everywhere at once, and
    they get new ones only once two-factor is on for them.
    """
    if actor.role != Role.OWNER:
        raise ApiError(
            "owner_required", _("Only an owner can change the two-factor rule."), status=403
        )
    if required and not actor.user.totp_enabled:
        raise ApiError(
            "two_factor_enroll_first",
            _("Turn two-factor authentication on for your own account first."),
            status=409,
        )
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=actor.organization_id)
        if organization.two_factor_required == required:
            return organization
        organization.two_factor_required = required
        organization.save(update_fields=["two_factor_required"])
        if required:
            without = Membership.objects.filter(
                organization=organization, user__totp_enabled=False
            ).values_list("user_id", flat=True)
            for user_id in without:
                tokens_revoke_for(
                    user_id=user_id,
                    organization_id=organization.id,
                    reason="two_factor_required",
                )
    audit_record(
        organization=organization,
        actor_id=actor.user_id,
        action="organization.two_factor_required"
        if required
        else "organization.two_factor_optional",
    )
    return organization


# Members ------------------------------------------------------------------------


def _can_manage(role: str) -> bool:
    return role in (Role.OWNER, Role.ADMIN)


def _owner_count(organization_id: uuid.UUID) -> int:
    return Membership.objects.filter(organization_id=organization_id, role=Role.OWNER).count()


def _lock_organization(organization_id: uuid.UUID) -> None:
    """Serialize membership changes per organization (protects the last-owner rule)."""
    Organization.objects.select_for_update().filter(id=organization_id).first()


def membership_change_role(*, actor: Membership, target_id: uuid.UUID, role: str) -> Membership:
    with transaction.atomic():
        _lock_organization(actor.organization_id)
        target = _target(actor, target_id)
        if not _can_manage(actor.role):
            raise ApiError(
                "permission_denied", _("Only owners and admins manage members."), status=403
            )
        if Role.OWNER in (role, target.role) and actor.role != Role.OWNER:
            raise ApiError(
                "owner_required", _("Only an owner can grant or take the owner role."), status=403
            )
        if (
            target.role == Role.OWNER
            and role != Role.OWNER
            and _owner_count(actor.organization_id) <= 1
        ):
            raise ApiError("last_owner", _("An organization needs at least one owner."), status=409)
        previous = target.role
        if previous != role:
            target.role = role
            # Access tokens carry the role: the ones issued so far are revoked
            # everywhere, and the next refresh reads the new role.
            target.save(update_fields=["role"])
            tokens_revoke_access(
                user_id=target.user_id,
                organization_id=actor.organization_id,
                reason="role_changed",
            )
    audit_record(
        organization=target.organization,
        actor_id=actor.user_id,
        action="member.role_changed",
        target=str(target.user_id),
        data={"from": previous, "to": role},
    )
    return target


def _target(actor: Membership, target_id: uuid.UUID) -> Membership:
    target = (
        Membership.objects.select_related("user", "organization")
        .filter(id=target_id, organization_id=actor.organization_id)
        .first()
    )
    if target is None:
        raise ApiError("member_not_found", _("No such member in this organization."), status=404)
    return target


def membership_remove(*, actor: Membership, target_id: uuid.UUID) -> None:
    with transaction.atomic():
        _lock_organization(actor.organization_id)
        target = _target(actor, target_id)
        leaving = target.id == actor.id
        if not leaving and not _can_manage(actor.role):
            raise ApiError(
                "permission_denied", _("Only owners and admins manage members."), status=403
            )
        if not leaving and target.role == Role.OWNER and actor.role != Role.OWNER:
            raise ApiError("owner_required", _("Only an owner can remove an owner."), status=403)
        if target.role == Role.OWNER and _owner_count(actor.organization_id) <= 1:
            raise ApiError("last_owner", _("An organization needs at least one owner."), status=409)
        target.delete()
        tokens_revoke_for(
            user_id=target.user_id, organization_id=actor.organization_id, reason="removed"
        )
        publish(
            "member.removed",
            {"user_id": str(target.user_id), "tenant_id": str(actor.organization_id)},
            tenant_id=actor.organization_id,
        )
    audit_record(
        organization=target.organization,
        actor_id=actor.user_id,
        action="member.removed",
        target=str(target.user_id),
    )


# Invitations --------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": str(invitation.id)}, salt=INVITATION_SALT)


def _confirmed_since(user_id: uuid.UUID) -> bool:
    return User.objects.filter(pk=user_id, email_verified_at__isnull=False).exists()


def invitation_create(*, actor: Membership, email: str, role: str) -> Invitation:
    if not _can_manage(actor.role):
        raise ApiError("permission_denied", _("Only owners and admins invite people."), status=403)
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise ApiError("owner_required", _("Only an owner can invite another owner."), status=403)
    # An invitation mails text of the organization's choosing to any address:
    # only someone whose own address is confirmed may send one.
    # The person may come from the memberships cached in this process
    # (``identity.authentication``): a confirmation another process just made is
    # looked up before refusing.
    if not actor.user.email_verified and not _confirmed_since(actor.user_id):
        raise ApiError(
            "email_unverified",
            _("Confirm your email address before inviting people."),
            status=403,
        )
    email = normalize_email(email)
    if Membership.objects.filter(organization_id=actor.organization_id, user__email=email).exists():
        raise ApiError("already_member", _("This person is already a member."), status=409)
    # Each invitation is a mail to an address of the inviter's choosing: a budget
    # per organization, spent only by those allowed to invite.
    throttling.hit("invitation_create_org", str(actor.organization_id))
    organization = actor.organization
    with transaction.atomic():
        # Members and pending invitations count against the plan's members limit; the
        # organization's row lock serializes two invitations racing for the last seat.
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        seats = seats_taken(organization_id=organization.pk, excluding_email=email)
        check_limit(organization, "members", used=seats)
        # A new invitation replaces a pending one for the same address (a resend).
        Invitation.objects.filter(
            organization=organization,
            email=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            invited_by=actor.user,
            expires_at=timezone.now() + settings.INVITATION_TTL,
        )
        token = invitation_token(invitation)
        invitee = user_by_email(email)
        queue_mail(
            to=email,
            template="invitation",
            locale=invitee.locale if invitee else organization.locale,
            context={
                "inviter_name": actor.user.name,
                "organization_name": organization.name,
                "token": token,
                "accept_url": f"{settings.APP_LINK_BASE}/invitations/accept?token={token}",
                "expires_at": invitation.expires_at.date().isoformat(),
            },
        )
    audit_record(
        organization=organization,
        actor_id=actor.user_id,
        action="invitation.created",
        target=email,
        data={"role": role},
    )
    return invitation


def invitation_revoke(*, actor: Membership, invitation_id: uuid.UUID) -> None:
    if not _can_manage(actor.role):
        raise ApiError(
            "permission_denied", _("Only owners and admins manage invitations."), status=403
        )
    updated = Invitation.objects.filter(
        id=invitation_id,
        organization_id=actor.organization_id,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
    if not updated:
        raise ApiError("invitation_not_found", _("No such pending invitation."), status=404)
    invitation = Invitation.objects.only("email").get(id=invitation_id)
    audit_record(
        organization=actor.organization,
        actor_id=actor.user_id,
        action="invitation.revoked",
        target=invitation.email,
    )


def invitation_resend(*, actor: Membership, invitation_id: uuid.UUID) -> Invitation:
    """Mail a pending invitation again: a new one (same address and role) replaces it.

    The same rules as a new invitation (``invitation_create``: roles, confirmed
    address, the mail budget, the plan's members limit).
    """
    if not _can_manage(actor.role):
        raise ApiError(
            "permission_denied", _("Only owners and admins manage invitations."), status=403
        )
    pending = Invitation.objects.filter(
        id=invitation_id,
        organization_id=actor.organization_id,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).first()
    if pending is None:
        raise ApiError("invitation_not_found", _("No such pending invitation."), status=404)
    return invitation_create(actor=actor, email=pending.email, role=pending.role)


@dataclass(frozen=True)
class AcceptResult:
    membership: Membership
    tokens: TokenPair
    created_user: bool


def invitation_accept(
    *, token: str, name: str | None, password: str | None, otp: str | None = None
) -> AcceptResult:
    """Single use: the invitation row is locked and stamped accepted in one transaction.

    The code from the mail proves the address; for an existing identity with
    two-factor on it stands for the password only, so the second factor is
    asked as at login (else the invitation would open the identity without it).
    """
    try:
        data = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature:
        raise ApiError("invitation_invalid", _("This invitation is not valid.")) from None
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organization")
            .filter(id=data.get("i"))
            .first()
        )
        if invitation is None or invitation.revoked_at is not None:
            raise ApiError("invitation_invalid", _("This invitation is not valid."))
        if invitation.accepted_at is not None:
            raise ApiError("invitation_used", _("This invitation was already used."), status=410)
        if invitation.expires_at <= timezone.now():
            raise ApiError(
                "invitation_expired",
                _("This invitation has expired. Ask for a new one."),
                status=410,
            )
        organization = invitation.organization
        if organization.status == TenantStatus.SUSPENDED:
            raise ApiError("tenant_suspended", _("This organization is suspended."), status=403)
        user = user_by_email(invitation.email)
        created = user is None
        if user is not None:
            second_factor_check(user=user, otp=otp)
        if user is None:
            name, password = (name or "").strip(), password or ""
            errors = {}
            if not name:
                errors["name"] = [ErrorDetail(str(_("Tell us your name.")), code="required")]
            if not password:
                errors["password"] = [ErrorDetail(str(_("Choose a password.")), code="required")]
            if errors:
                raise ValidationError(errors)
            password_check_strength(password=password, user=User(email=invitation.email, name=name))
            user = User.objects.create_user(
                invitation.email,
                password,
                name=name.strip(),
                locale=organization.locale,
                # Receiving the invitation proves control of the address.
                email_verified_at=timezone.now(),
            )
        membership, _created = Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        # Under the organization's two-factor rule a person without it joins but gets
        # no tokens: they turn it on (POST /api/v1/auth/totp-enrollment), then log in.
        kept_out = two_factor_required(organization) and not user.totp_enabled
        tokens = None if kept_out else tokens_issue(user=user, membership=membership)
    audit_record(
        organization=organization,
        actor_id=user.id,
        action="invitation.accepted",
        target=invitation.email,
    )
    if tokens is None:
        raise ApiError(
            "two_factor_required",
            _(
                "You joined the organization. It requires two-factor authentication: turn it "
                "on for your account, then log in."
            ),
            status=403,
        )
    return AcceptResult(membership=membership, tokens=tokens, created_user=created)
