from django.urls import include, path

from jobs import api
from pocdex_shared import lgpd, person_data, usage
from pocdex_shared.urls import (  # noqa: F401 - Django reads handler* here
    common_routes,
    handler400,
    handler403,
    handler404,
    handler500,
)

api_v1 = [
    path("reports", api.ReportListView.as_view(), name="reports"),
    path("reports/subscription", api.ReportSubscriptionView.as_view(), name="report-subscription"),
    path("reports/<uuid:job_id>", api.ReportDetailView.as_view(), name="report"),
    path("videos", api.VideoListView.as_view(), name="videos"),
    path("videos/<uuid:job_id>", api.VideoDetailView.as_view(), name="video"),
]

# Other services only (service tokens); the gateway never routes /internal/.
internal_v1 = [
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
