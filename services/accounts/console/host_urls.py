"""The URLconf of an organization's host (``<slug>.<domain>``, see ``console.hosts``).

The console's pages at ``/``, and what must keep answering on that host: the
API (the gateway sends accounts' API paths of any host here), the published
keys, the health routes. The Django admin is not served here.
"""

from django.urls import URLPattern, URLResolver, include, path

from config import urls as api_host_urls

from . import errors

handler400 = "pocdex_shared.errors.handler400"
handler403 = errors.forbidden
handler404 = errors.not_found
handler500 = "pocdex_shared.errors.handler500"

urlpatterns = [
    *[
        route
        for route in api_host_urls.urlpatterns
        if isinstance(route, URLPattern | URLResolver)
        and not str(route.pattern).startswith("admin/")
    ],
    path("", include("console.urls")),
]
