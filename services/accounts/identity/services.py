"""Writes about people: passwords, email verification, two-factor authentication."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ErrorDetail, ValidationError

from notifications import queue_mail
from organizations.models import Membership
from organizations.two_factor import two_factor_check, two_factor_required
from pocdex_shared.errors import ApiError
from pocdex_shared.tenancy.models import TenantStatus

from . import throttling
from .models import RecoveryCode, User, normalize_email
from .selectors import user_by_email

VERIFY_SALT = "pocdex.verify-email"
RESET_SALT = "pocdex.password-reset"
RECOVERY_CODE_COUNT = 10
_reset_tokens = PasswordResetTokenGenerator()


def password_check_strength(
    *, password: str, user: User | None = None, field: str = "password"
) -> None:
    """Django's validators (length, common passwords, similarity) as a coded field error."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationError(
            {field: [ErrorDetail(message, code="password_weak") for message in exc.messages]}
        ) from None


def check_password_constant_time(user: User | None, password: str) -> bool:
    """Verify a password, spending the same hashing time when the user does not exist."""
    if user is None or not user.is_active:
        User().set_password(password)
        return False
    return user.check_password(password)


def profile_update(*, user: User, changes: Mapping[str, Any]) -> User:
    """Set the given profile fields (name, locale); text is stripped."""
    for field, value in changes.items():
        setattr(user, field, value.strip() if isinstance(value, str) else value)
    if changes:
        user.save(update_fields=list(changes))
    return user


# Login ----------------------------------------------------------------------


def _invalid_credentials() -> ApiError:
    # One message for a wrong organization, email, password or membership.
    return ApiError(
        "invalid_credentials", _("Organization, email or password is not correct."), status=401
    )


def login_check(
    *, organization_slug: str, email: str, password: str, otp: str, client_ip: str
) -> Membership:
    """The membership a login opens, after its budgets, password and second factor.

    Every failure up to the password answers ``invalid_credentials`` and costs
    the same hashing time; only then do the answers become specific. The
    per-account window closes on success; second-factor guesses also spend the
    person's budget, shared by every organization they belong to.
    """
    membership, account = _password_membership(
        organization_slug=organization_slug, email=email, password=password, client_ip=client_ip
    )
    user = membership.user
    second_factor_check(user=user, otp=otp)
    if membership.organization.status == TenantStatus.SUSPENDED:
        raise ApiError("tenant_suspended", _("This organization is suspended."), status=403)
    two_factor_check(user=user, organization=membership.organization)
    throttling.reset("login_account", account)
    return membership


def _password_membership(
    *, organization_slug: str, email: str, password: str, client_ip: str
) -> tuple[Membership, str]:
    """The membership a password opens, within the login's budgets (and its budget key)."""
    organization_slug = organization_slug.strip().lower()
    email = normalize_email(email)
    account = f"{organization_slug}:{email}"
    throttling.hit("login_ip", client_ip)
    throttling.hit("login_account", account)
    user = user_by_email(email)
    password_ok = check_password_constant_time(user, password)
    if user is None or not password_ok:
        raise _invalid_credentials()
    membership = (
        Membership.objects.select_related("user", "organization")
        .filter(user=user, organization__slug=organization_slug)
        .first()
    )
    if membership is None:
        raise _invalid_credentials()
    return membership, account


def two_factor_enrollment_check(
    *, organization_slug: str, email: str, password: str, client_ip: str
) -> User:
    """The person an organization's two-factor rule keeps out, turning two-factor on.

    The rule refuses them tokens, so they cannot use ``/me/totp``: the password,
    with the login's budgets, opens the enrollment instead, and only that. It is
    what a login without the rule would have allowed them anyway. Anyone else
    (two-factor already on, or not required) is told to log in.
    """
    membership, _account = _password_membership(
        organization_slug=organization_slug, email=email, password=password, client_ip=client_ip
    )
    if membership.organization.status == TenantStatus.SUSPENDED:
        raise ApiError("tenant_suspended", _("This organization is suspended."), status=403)
    user = membership.user
    if user.totp_enabled or not two_factor_required(membership.organization):
        raise ApiError(
            "two_factor_enrollment_not_needed",
            _("Log in, then manage two-factor authentication from your account."),
            status=409,
        )
    return user


# Email verification ---------------------------------------------------------


def email_verification_send(*, user: User) -> None:
    token = signing.dumps({"u": str(user.id), "e": user.email}, salt=VERIFY_SALT)
    queue_mail(
        to=user.email,
        template="verify_email",
        locale=user.locale,
        context={
            "user_name": user.name,
            "token": token,
            "verify_url": f"{settings.APP_LINK_BASE}/verify-email?token={token}",
        },
    )


def email_verification_resend(*, user: User) -> None:
    """Mail the verification again, within the person's mail budget; nothing once verified."""
    if user.email_verified:
        return
    throttling.hit("password_reset_account", f"verify:{user.id}")
    email_verification_send(user=user)


def email_verify(*, token: str) -> User:
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_TTL)
    except signing.SignatureExpired:
        raise ApiError(
            "verification_expired", _("This link has expired. Ask for a new one.")
        ) from None
    except signing.BadSignature:
        raise ApiError("verification_invalid", _("This verification link is not valid.")) from None
    user = User.objects.filter(id=data.get("u"), email=data.get("e")).first()
    if user is None:
        raise ApiError("verification_invalid", _("This verification link is not valid."))
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


# Password reset --------------------------------------------------------------


def password_reset_request(*, email: str, client_ip: str) -> None:
    """Mail a reset code if the account exists. The caller answers the same either way.

    The budgets per client and per address are spent either way too.
    """
    email = normalize_email(email)
    throttling.hit("password_reset_ip", client_ip)
    throttling.hit("password_reset_account", email)
    user = user_by_email(email)
    if user is None or not user.is_active:
        return
    token = signing.dumps({"u": str(user.id), "t": _reset_tokens.make_token(user)}, salt=RESET_SALT)
    queue_mail(
        to=user.email,
        template="password_reset",
        locale=user.locale,
        context={
            "user_name": user.name,
            "token": token,
            "reset_url": f"{settings.APP_LINK_BASE}/reset-password?token={token}",
        },
    )


def _invalid_reset() -> ApiError:
    return ApiError("reset_token_invalid", _("This reset link is not valid or was already used."))


@transaction.atomic
def password_reset_confirm(*, token: str, new_password: str) -> User:
    """Set a new password; the token dies with the old password hash, and sessions end."""
    from tokens.services import tokens_revoke_for

    try:
        data = signing.loads(token, salt=RESET_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.BadSignature:
        raise _invalid_reset() from None
    user = User.objects.select_for_update().filter(id=data.get("u"), is_active=True).first()
    if user is None or not _reset_tokens.check_token(user, str(data.get("t", ""))):
        raise _invalid_reset()
    password_check_strength(password=new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    tokens_revoke_for(user_id=user.id, reason="password_reset")
    return user


# Two-factor authentication (TOTP) -------------------------------------------


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def totp_start(*, user: User) -> dict[str, Any]:
    if user.totp_enabled:
        raise ApiError(
            "totp_already_enabled", _("Two-factor authentication is already on."), status=409
        )
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = 0
    user.save(update_fields=["totp_secret", "totp_last_step"])
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name="Pocdex")
    return {"secret": user.totp_secret, "otpauth_uri": uri}


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> list[str]:
    """Turn TOTP on after the first valid code; returns recovery codes, shown only now."""
    throttling.hit("otp_account", str(user.id))
    if user.totp_enabled:
        raise ApiError(
            "totp_already_enabled", _("Two-factor authentication is already on."), status=409
        )
    if not user.totp_secret:
        raise ApiError("totp_not_started", _("Start two-factor enrollment first."), status=409)
    if not _totp_spend(user=user, code=code):
        raise ApiError(
            "otp_invalid",
            _("The code is not valid."),
            fields={"code": [{"code": "otp_invalid", "message": str(_("The code is not valid."))}]},
        )
    user.totp_enabled = True
    user.save(update_fields=["totp_enabled"])
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=_code_hash(c)) for c in codes]
    )
    return codes


def _is_totp_code(code: str) -> bool:
    """Six ASCII digits. ``str.isdigit`` also accepts "²" or "٣", which
    ``hmac.compare_digest`` refuses with a TypeError (a 500)."""
    return len(code) == 6 and all("0" <= char <= "9" for char in code)


def _totp_step(*, secret: str, code: str, at: datetime | None = None) -> int | None:
    """The time step whose code ``code`` is, within one step of ``at`` (clock drift)."""
    totp = pyotp.TOTP(secret)
    moment = at or timezone.now()
    current = totp.timecode(moment)
    for offset in (0, -1, 1):
        if hmac.compare_digest(totp.generate_otp(current + offset), code):
            return current + offset
    return None


def _totp_spend(*, user: User, code: str) -> bool:
    """Accept a TOTP code once: its step must be later than the last one accepted.

    The step is recorded with a conditional update, so two requests racing with
    the same code cannot both pass.
    """
    code = code.strip()
    if not user.totp_secret or not _is_totp_code(code):
        return False
    step = _totp_step(secret=user.totp_secret, code=code)
    if step is None:
        return False
    spent = User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(totp_last_step=step)
    if spent:
        user.totp_last_step = step
    return bool(spent)


def second_factor_check(*, user: User, otp: str | None) -> None:
    """Ask a person with two-factor on for a current code, wherever they prove who they are.

    Guesses spend one budget per person (``otp_account``), shared by every
    organization and every way in (login, accepting an invitation).
    """
    if not user.totp_enabled:
        return
    if not otp:
        raise ApiError("otp_required", _("Enter the code from your authenticator app."), status=401)
    throttling.hit("otp_account", str(user.id))
    if not otp_verify(user=user, code=otp):
        raise ApiError("otp_invalid", _("The code is not valid."), status=401)


def otp_verify(*, user: User, code: str) -> bool:
    """A current TOTP code not used before, or an unused recovery code (either is then spent)."""
    code = (code or "").strip()
    if not code:
        return False
    if _is_totp_code(code):
        return _totp_spend(user=user, code=code)
    with transaction.atomic():
        recovery = (
            RecoveryCode.objects.select_for_update()
            .filter(user=user, code_hash=_code_hash(code), used_at__isnull=True)
            .first()
        )
        if recovery is None:
            return False
        recovery.used_at = timezone.now()
        recovery.save(update_fields=["used_at"])
    return True


@transaction.atomic
def totp_disable(*, user: User, password: str, code: str) -> None:
    if not user.totp_enabled:
        raise ApiError("totp_not_enabled", _("Two-factor authentication is off."), status=409)
    # A password and a code checked here: the same guessing budget as a login's.
    throttling.hit("otp_account", str(user.id))
    if not user.check_password(password) or not otp_verify(user=user, code=code):
        raise ApiError("invalid_credentials", _("Password or code is not valid."), status=401)
    user.totp_enabled = False
    user.totp_secret = ""
    user.save(update_fields=["totp_enabled", "totp_secret"])
    RecoveryCode.objects.filter(user=user).delete()
