from django.urls import include, path

from dojos import api, internal_api

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
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("internal/v1/", include(internal_v1)),
    path("", include("pocdex_shared.apidocs")),
    path("", include("pocdex_shared.health")),
]

handler400 = "pocdex_shared.errors.handler400"
handler403 = "pocdex_shared.errors.handler403"
handler404 = "pocdex_shared.errors.handler404"
handler500 = "pocdex_shared.errors.handler500"
