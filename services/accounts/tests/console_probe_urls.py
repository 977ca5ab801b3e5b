"""An organization host's URLconf plus two probe pages, for the console foundation's tests.

The areas' pages come and go; these probes stay, so the tests of the access
rules (``console.access.console_page``) do not depend on any area.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from console import host_urls
from console.access import console_page

handler400 = host_urls.handler400
handler403 = host_urls.handler403
handler404 = host_urls.handler404
handler500 = host_urls.handler500


@console_page()
def probe(request: HttpRequest) -> HttpResponse:
    context = request.console  # type: ignore[attr-defined]
    return HttpResponse(f"{context.organization.slug} {context.user.email} {context.role}")


@console_page()
def probe_page(request: HttpRequest) -> HttpResponse:
    """The console's layout around an empty page, its area named by ``?nav=``."""
    return render(request, "console/base.html", {"nav": request.GET.get("nav", "")})


@console_page(roles=("owner",))
def owners_probe(request: HttpRequest) -> HttpResponse:
    return HttpResponse("owners")


urlpatterns = [
    path("probe/", probe),
    path("probe/owners/", owners_probe),
    path("probe/page/", probe_page),
    *host_urls.urlpatterns,
]
