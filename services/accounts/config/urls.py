from django.contrib import admin
from django.urls import include, path

from billing import api as billing_api
from devices import api as device_api
from identity import api as identity_api
from identity import app_links, enrollment_api
from lgpd import api as lgpd_api
from lgpd import people_api as lgpd_people_api
from organizations import api as org_api
from pocdex_shared.urls import (  # noqa: F401 - Django reads handler* here
    common_routes,
    handler400,
    handler403,
    handler404,
    handler500,
)
from tokens import api as token_api
from tokens import internal_api

api_v1 = [
    path("signup", org_api.SignupView.as_view(), name="signup"),
    path("organizations", org_api.OrganizationCreateView.as_view(), name="organizations"),
    path("auth/token", token_api.LoginView.as_view(), name="auth-token"),
    path("auth/refresh", token_api.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", token_api.LogoutView.as_view(), name="auth-logout"),
    path(
        "auth/totp-enrollment",
        enrollment_api.TotpEnrollmentView.as_view(),
        name="auth-totp-enrollment",
    ),
    path(
        "auth/totp-enrollment/confirm",
        enrollment_api.TotpEnrollmentConfirmView.as_view(),
        name="auth-totp-enrollment-confirm",
    ),
    path("auth/verify-email", identity_api.VerifyEmailView.as_view(), name="verify-email"),
    path("auth/password-reset", identity_api.PasswordResetView.as_view(), name="password-reset"),
    path(
        "auth/password-reset/confirm",
        identity_api.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    # GET/PATCH from identity; DELETE is the person's own deletion (ADR 0047).
    path("me", lgpd_people_api.MeView.as_view(), name="me"),
    path("me/exports", lgpd_people_api.PersonExportListView.as_view(), name="me-exports"),
    path(
        "me/exports/<uuid:export_id>",
        lgpd_people_api.PersonExportDetailView.as_view(),
        name="me-export",
    ),
    path("me/verify-email", identity_api.ResendVerificationView.as_view(), name="me-verify-email"),
    path("me/totp", identity_api.TotpView.as_view(), name="me-totp"),
    path("me/totp/confirm", identity_api.TotpConfirmView.as_view(), name="me-totp-confirm"),
    path("members", org_api.MemberListView.as_view(), name="members"),
    path("members/<uuid:member_id>", org_api.MemberDetailView.as_view(), name="member"),
    path("invitations", org_api.InvitationListView.as_view(), name="invitations"),
    path("invitations/accept", org_api.InvitationAcceptView.as_view(), name="invitation-accept"),
    path(
        "invitations/<uuid:invitation_id>",
        org_api.InvitationDetailView.as_view(),
        name="invitation",
    ),
    path("devices", device_api.DeviceListView.as_view(), name="devices"),
    path("billing/plans", billing_api.PlansView.as_view(), name="billing-plans"),
    path(
        "billing/subscription", billing_api.SubscriptionView.as_view(), name="billing-subscription"
    ),
    path("billing/checkout", billing_api.CheckoutView.as_view(), name="billing-checkout"),
    path("billing/portal", billing_api.PortalView.as_view(), name="billing-portal"),
    path("billing/invoices", billing_api.InvoicesView.as_view(), name="billing-invoices"),
    path("billing/fiscal-data", billing_api.FiscalDataView.as_view(), name="billing-fiscal-data"),
    path(
        "billing/webhooks/stripe",
        billing_api.StripeWebhookView.as_view(),
        name="billing-webhook-stripe",
    ),
    path("devices/<uuid:device_id>", device_api.DeviceDetailView.as_view(), name="device"),
    # The organization's data under the LGPD (ADR 0044).
    path("organization/exports", lgpd_api.ExportListView.as_view(), name="organization-exports"),
    path(
        "organization/exports/<uuid:export_id>",
        lgpd_api.ExportDetailView.as_view(),
        name="organization-export",
    ),
    path("organization/deletion", lgpd_api.DeletionView.as_view(), name="organization-deletion"),
    path("organization/restore", lgpd_api.RestoreView.as_view(), name="organization-restore"),
]

internal_v1 = [
    path("service-tokens", internal_api.ServiceTokenView.as_view(), name="internal-service-tokens"),
    path("tenants", internal_api.TenantListView.as_view(), name="internal-tenants"),
    path(
        "tenants/<uuid:tenant_id>",
        internal_api.TenantDetailView.as_view(),
        name="internal-tenant",
    ),
]

urlpatterns = [
    path("internal/v1/", include(internal_v1)),
    path("api/v1/", include(api_v1)),
    path(".well-known/jwks.json", token_api.jwks_view, name="jwks"),
    path(".well-known/assetlinks.json", app_links.assetlinks_view, name="assetlinks"),
    path(
        ".well-known/apple-app-site-association",
        app_links.apple_app_site_association_view,
        name="apple-app-site-association",
    ),
    path("admin/", admin.site.urls),
    *common_routes(),
]
