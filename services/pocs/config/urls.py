from django.urls import include, path

from integrations import internal_api as integrations_internal
from integrations.api import PocActivityView
from pocdex_shared import lgpd, person_data, usage
from pocdex_shared.urls import (  # noqa: F401 - Django reads handler* here
    common_routes,
    handler400,
    handler403,
    handler404,
    handler500,
)
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
    # The Git webhook secrets, for the owner console (accounts only).
    path(
        "tenants/<uuid:tenant_id>/git-webhooks",
        integrations_internal.WebhookSecretsView.as_view(),
        name="internal-git-webhooks",
    ),
    path(
        "tenants/<uuid:tenant_id>/git-webhooks/<str:provider>/rotate",
        integrations_internal.WebhookSecretRotateView.as_view(),
        name="internal-git-webhook-rotate",
    ),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("internal/v1/", include(internal_v1)),
    path("api/v1/search/", include("search.urls")),
    path("api/v1/integrations/", include("integrations.urls")),
    *common_routes(),
]
