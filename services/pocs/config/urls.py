from django.urls import include, path

from integrations.api import PocActivityView
from registry import api, internal_api

api_v1 = [
    path("pocs", api.PocListView.as_view(), name="pocs"),
    path("pocs/deleted", api.DeletedPocListView.as_view(), name="pocs-deleted"),
    path("pocs/<uuid:poc_id>", api.PocDetailView.as_view(), name="poc"),
    path("pocs/<uuid:poc_id>/restore", api.PocRestoreView.as_view(), name="poc-restore"),
    path("pocs/<uuid:poc_id>/attachments", api.AttachmentListView.as_view(), name="attachments"),
    path(
        "pocs/<uuid:poc_id>/attachments/<uuid:attachment_id>",
        api.AttachmentDetailView.as_view(),
        name="attachment",
    ),
    path(
        "pocs/<uuid:poc_id>/attachments/<uuid:attachment_id>/complete",
        api.AttachmentCompleteView.as_view(),
        name="attachment-complete",
    ),
    path("languages", api.LanguageListView.as_view(), name="languages"),
    path("tags", api.TagListView.as_view(), name="tags"),
    path("pocs/<uuid:poc_id>/git-activity", PocActivityView.as_view(), name="poc-git-activity"),
]

# Other services only (service tokens); the gateway never routes /internal/.
internal_v1 = [
    path(
        "tenants/<uuid:tenant_id>/pocs",
        internal_api.ServicePocListView.as_view(),
        name="internal-tenant-pocs",
    ),
    path(
        "tenants/<uuid:tenant_id>/pocs/<uuid:poc_id>/learnings",
        internal_api.LearningAppendView.as_view(),
        name="internal-poc-learnings",
    ),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("internal/v1/", include(internal_v1)),
    path("api/v1/search/", include("search.urls")),
    path("api/v1/integrations/", include("integrations.urls")),
    path("", include("pocdex_shared.apidocs")),
    path("", include("pocdex_shared.health")),
]

handler400 = "pocdex_shared.errors.handler400"
handler403 = "pocdex_shared.errors.handler403"
handler404 = "pocdex_shared.errors.handler404"
handler500 = "pocdex_shared.errors.handler500"
