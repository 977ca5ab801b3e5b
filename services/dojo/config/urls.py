from django.urls import include, path

from dojos import api, internal_api
from pocdex_shared import lgpd, person_data, usage
from pocdex_shared.urls import (  # noqa: F401 - Django reads handler* here
    common_routes,
    handler400,
    handler403,
    handler404,
    handler500,
)

api_v1 = [
    path("dojos", api.DojoListView.as_view(), name="dojos"),
    path("dojos/<uuid:dojo_id>", api.DojoDetailView.as_view(), name="dojo"),
    path("dojos/<uuid:dojo_id>/join", api.DojoJoinView.as_view(), name="dojo-join"),
    path("dojos/<uuid:dojo_id>/start", api.DojoStartView.as_view(), name="dojo-start"),
    path("dojos/<uuid:dojo_id>/end", api.DojoEndView.as_view(), name="dojo-end"),
    path("dojos/<uuid:dojo_id>/ticket", api.DojoTicketView.as_view(), name="dojo-ticket"),
    path(
        "dojos/<uuid:dojo_id>/retrospective",
        api.DojoRetrospectiveView.as_view(),
        name="dojo-retrospective",
    ),
    path("dojos/<uuid:dojo_id>/replay", api.DojoReplayView.as_view(), name="dojo-replay"),
]

internal_v1 = [
    path(
        "tenants/<uuid:tenant_id>/dojos",
        internal_api.InternalDojoListView.as_view(),
        name="internal-dojos",
    ),
    # An organization's export part (accounts only, ADR 0044).
    path(lgpd.EXPORT_PART_ROUTE, lgpd.ExportPartView.as_view(), name="internal-export-part"),
    # A person's own export part (accounts only, ADR 0047).
    path(
        person_data.PERSON_EXPORT_ROUTE,
        person_data.PersonExportPartView.as_view(),
        name="internal-person-export-part",
    ),
    # What the organization uses of the limits this service enforces (accounts only).
    path(usage.USAGE_ROUTE, usage.UsageView.as_view(), name="internal-usage"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("internal/v1/", include(internal_v1)),
    *common_routes(),
]
