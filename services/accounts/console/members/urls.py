from django.urls import path

from . import views

urlpatterns = [
    path("", views.members, name="members"),
    path("<uuid:member_id>/role", views.member_role, name="members-role"),
    path("<uuid:member_id>/remove", views.member_remove, name="members-remove"),
    path(
        "invitations/<uuid:invitation_id>/resend",
        views.invitation_resend_view,
        name="members-invitation-resend",
    ),
    path(
        "invitations/<uuid:invitation_id>/revoke",
        views.invitation_revoke_view,
        name="members-invitation-revoke",
    ),
]
