"""Routes of the owner console, served on an organization's own host (``<slug>.<domain>``).

Each area of the console is its own package with its own ``urls.py``; their
route names live in the ``console`` namespace (``console:members``, ...).
"""

from django.urls import include, path

from .auth import enrollment
from .auth import views as auth_views

app_name = "console"

urlpatterns = [
    path("login/", auth_views.login_view, name="login"),
    path("login/code/", auth_views.totp_view, name="totp"),
    path("login/two-factor/", enrollment.enroll_view, name="enroll"),
    path("logout/", auth_views.logout_view, name="logout"),
    path("language/", auth_views.language_view, name="language"),
    path("", include("console.overview.urls")),
    path("members/", include("console.members.urls")),
    path("billing/", include("console.billing_pages.urls")),
    path("settings/", include("console.preferences.urls")),
    path("audit/", include("console.audit_log.urls")),
    path("data/", include("console.data.urls")),
]
