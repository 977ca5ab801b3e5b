from django.urls import path

from . import api

urlpatterns = [
    path("git/<str:provider>/webhook", api.WebhookView.as_view(), name="git-webhook"),
    path("git/<str:provider>/secret", api.SecretView.as_view(), name="git-secret"),
]
