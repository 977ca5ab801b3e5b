from django.urls import path

from . import personal, views

urlpatterns = [
    path("", views.data, name="data"),
    path("exports/", views.export_create, name="data-export"),
    path("exports/<uuid:export_id>/", views.export_progress, name="data-export-progress"),
    path("delete/", views.delete, name="data-delete"),
    # Public: the organization is suspended while it waits for its purge.
    path("restore/", views.restore, name="data-restore"),
    # The logged-in person's own data, across all their organizations.
    path("me/", personal.personal, name="data-me"),
    path("me/exports/", personal.personal_export_create, name="data-me-export"),
    path(
        "me/exports/<uuid:export_id>/",
        personal.personal_export_progress,
        name="data-me-export-progress",
    ),
    path("me/delete/", personal.personal_delete, name="data-me-delete"),
]
