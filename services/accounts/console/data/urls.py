from django.urls import path

from . import views

urlpatterns = [
    path("", views.data, name="data"),
    path("exports/", views.export_create, name="data-export"),
    path("exports/<uuid:export_id>/", views.export_progress, name="data-export-progress"),
    path("delete/", views.delete, name="data-delete"),
    # Public: the organization is suspended while it waits for its purge.
    path("restore/", views.restore, name="data-restore"),
]
