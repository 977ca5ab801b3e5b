from django.urls import include, path

from jobs import api

api_v1 = [
    path("reports", api.ReportListView.as_view(), name="reports"),
    path("reports/subscription", api.ReportSubscriptionView.as_view(), name="report-subscription"),
    path("reports/<uuid:job_id>", api.ReportDetailView.as_view(), name="report"),
    path("videos", api.VideoListView.as_view(), name="videos"),
    path("videos/<uuid:job_id>", api.VideoDetailView.as_view(), name="video"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("", include("pocdex_shared.apidocs")),
    path("", include("pocdex_shared.health")),
]

handler400 = "pocdex_shared.errors.handler400"
handler403 = "pocdex_shared.errors.handler403"
handler404 = "pocdex_shared.errors.handler404"
handler500 = "pocdex_shared.errors.handler500"
