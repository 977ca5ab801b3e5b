"""The back office's front door: its login form and the headers of its pages.

Staff log in at ``/admin/`` with a password that opens every organization's
data, so that login gets what the API login has: windows per client IP and
per account (the same ``throttling`` helper and Redis windows), and the second
factor for staff who turned it on (``manage.py staff_totp``). Its pages are
served with a Content-Security-Policy that allows this origin's scripts,
styles and images only (the admin needs nothing else).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import Throttled

from . import throttling
from .models import User, normalize_email
from .services import otp_verify

ADMIN_PATH_PREFIX = "/admin/"
ADMIN_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class StaffAuthenticationForm(AdminAuthenticationForm):
    """Django's admin login, throttled, with the staff member's second factor."""

    otp = forms.CharField(
        label=_("Authentication code"),
        required=False,
        max_length=32,
        strip=True,
        help_text=_("From your authenticator app, or a recovery code (when two-factor is on)."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _("Too many attempts. Try again in %(seconds)s seconds."),
        "otp_required": _("Enter the code from your authenticator app."),
        "otp_invalid": _("The code is not valid."),
    }

    def clean(self) -> dict[str, Any]:
        email = normalize_email(str(self.cleaned_data.get("username") or ""))
        ip = throttling.client_ip(self.request) if self.request else "unknown"
        try:
            throttling.hit("admin_login_ip", ip)
            throttling.hit("admin_login_account", email)
        except Throttled as exc:
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"seconds": getattr(exc, "wait", None) or 1},
            ) from None
        cleaned = super().clean()  # the password, then is_active and is_staff
        user = self.get_user()
        if isinstance(user, User) and user.totp_enabled:
            code = str(cleaned.get("otp") or "")
            if not code:
                raise forms.ValidationError(
                    self.error_messages["otp_required"], code="otp_required"
                )
            if not otp_verify(user=user, code=code):
                raise forms.ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
        throttling.reset("admin_login_account", email)
        return cleaned


class AdminContentSecurityPolicyMiddleware:
    """``Content-Security-Policy`` on every back-office page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(ADMIN_PATH_PREFIX):
            response.headers.setdefault("Content-Security-Policy", ADMIN_CONTENT_SECURITY_POLICY)
        return response
