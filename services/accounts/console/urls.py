"""Routes of the owner console, served on an organization's own host (``<slug>.<domain>``).

Each area of the console is its own package with its own ``urls.py``; their
route names live in the ``console`` namespace (``console:members``, ...).
"""

from django.urls import include, path

app_name = "console"

urlpatterns = [
    path("", include("console.overview.urls")),
    path("members/", include("console.members.urls")),
    path("billing/", include("console.billing_pages.urls")),
    path("settings/", include("console.preferences.urls")),
    path("audit/", include("console.audit_log.urls")),
    path("data/", include("console.data.urls")),
]
