"""Root URLconf of the shared package's tests (``tests.settings``)."""

from django.urls import include, path

# The JSON error handlers, as every service's root URLconf sets them.
handler400 = "pocdex_shared.errors.handler400"
handler403 = "pocdex_shared.errors.handler403"
handler404 = "pocdex_shared.errors.handler404"
handler500 = "pocdex_shared.errors.handler500"

urlpatterns = [
    path("", include("pocdex_shared.health")),
    path("_b/", include("tests._b_views")),
]

# ---------------------------------------------------------------------------
# Tenancy test routes: owned by the tenancy tests, appended below this line
# (``urlpatterns += [...]``).
# ---------------------------------------------------------------------------

urlpatterns += [path("tenancy/", include("tests.tenantdata.urls"))]
