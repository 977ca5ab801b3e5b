"""Mail for finished media jobs: media publishes ``media.job.completed``, accounts owns the address.

Media knows the requester only by id; accounts looks the person up, checks
they still belong to the organization, and mails them in their own language
(``email/media_ready``). The link opens the job in the app, which asks media
for fresh download links (those in the job expire within minutes). The
person's phones registered in that organization get a push notification
beside the mail (``push``); both are queued in the consumer's transaction,
so a redelivered event sends neither again.
"""

from __future__ import annotations

from typing import Any

from pocdex_shared.events.consumer import handles

from . import queue_mail
from .push import queue_media_ready_push

MEDIA_JOB_COMPLETED = "media.job.completed"


@handles(MEDIA_JOB_COMPLETED)
def mail_the_requester_of_a_finished_media_job(envelope: dict[str, Any]) -> None:
    from organizations.models import Membership

    payload = envelope["payload"]
    membership = (
        Membership.objects.select_related("user", "organization")
        .filter(
            organization_id=payload["tenant_id"], user_id=payload["user_id"], user__is_active=True
        )
        .first()
    )
    if membership is None:  # left the organization since: no mail about its data
        return
    user, organization = membership.user, membership.organization
    params = payload.get("params") or {}
    queue_mail(
        to=user.email,
        template="media_ready",
        locale=user.locale,
        context={
            "name": user.name,
            "organization_name": organization.name,
            "kind": payload["kind"],
            "automatic": bool(payload.get("automatic")),
            "year": params.get("year"),
            "period_from": params.get("from"),
            "period_to": params.get("to"),
            "job_path": payload["path"],
            "dojo_data_unavailable": "dojo_data_unavailable" in (payload.get("warnings") or []),
        },
    )
    queue_media_ready_push(
        organization_id=organization.id,
        user_id=user.id,
        notice={
            "kind": payload["kind"],
            "job_id": payload.get("job_id"),
            "path": payload["path"],
            "organization_id": str(organization.id),
            "organization_name": organization.name,
            "automatic": bool(payload.get("automatic")),
            "year": params.get("year"),
            "period_from": params.get("from"),
            "period_to": params.get("to"),
        },
    )
