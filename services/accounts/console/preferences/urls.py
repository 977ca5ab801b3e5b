from django.urls import path

from . import views

urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("two-factor", views.two_factor_page, name="settings-two-factor"),
    path("webhooks/<str:provider>/rotate", views.webhook_rotate, name="settings-webhook-rotate"),
]
