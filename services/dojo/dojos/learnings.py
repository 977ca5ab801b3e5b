"""Retrospective notes added to the linked POC's learnings, through pocs' internal API.

pocs owns POCs; dojo asks it, with a service token, to append the notes. The
call is idempotent on pocs' side (``source_id`` is the dojo id), so a retry
after a timeout never appends twice.

The notes are written with the rights of the person attaching them, not the
dojo's: the call names them (``author``, ``role``, from their access token)
and pocs applies its edit rules (the author, the contributors, the admins). A
dojo may name any POC id when it is scheduled; that link grants nothing, and a
POC of another organization is never found, because the call is made in the
dojo's organization.
"""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pocdex_shared.callers import Caller
from pocdex_shared.errors import ApiError
from pocdex_shared.internal import ServiceTokenProvider, default_provider

from .models import Dojo

logger = logging.getLogger(__name__)
_provider: ServiceTokenProvider | None = None


def provider() -> ServiceTokenProvider:
    global _provider
    if _provider is None:
        _provider = default_provider()
    return _provider


def attach(dojo: Dojo, actor: Caller) -> None:
    """Append the retrospective to the POC's learnings; coded errors when it cannot."""
    if dojo.poc_id is None:
        raise ApiError("no_linked_poc", _("This dojo is not linked to a POC."), status=409)
    if not dojo.retrospective.strip():
        raise ApiError("empty_retrospective", _("The retrospective is empty."), status=400)
    tenant_id = connection.tenant.id  # type: ignore[attr-defined]
    url = (
        f"{settings.POCS_URL.rstrip('/')}/internal/v1/tenants/{tenant_id}"
        f"/pocs/{dojo.poc_id}/learnings"
    )
    body = {
        "text": f"{dojo.title}\n\n{dojo.retrospective}",
        "source": "dojo",
        "source_id": str(dojo.id),
        "author": str(actor.id),
        "role": actor.role,
    }
    try:
        response = requests.post(
            url,
            json=body,
            headers={"Authorization": f"Bearer {provider().token_for('pocs')}"},
            timeout=5,
        )
    except requests.RequestException:
        logger.warning("pocs unreachable while attaching a retrospective", exc_info=True)
        raise ApiError(
            "pocs_unavailable",
            _("The POC registry is unavailable; the notes are saved, try attaching again later."),
            status=503,
        ) from None
    if response.status_code == 403:
        raise ApiError(
            "poc_edit_denied",
            _(
                "Only the POC's author, its contributors and admins can add to its learnings; "
                "the notes are saved here."
            ),
            status=403,
        )
    if response.status_code == 404:
        raise ApiError(
            "linked_poc_not_found",
            _("The linked POC no longer exists; the notes are saved here."),
            status=409,
        )
    if response.status_code >= 300:
        logger.warning(
            "pocs refused a retrospective: %s %s", response.status_code, response.text[:300]
        )
        raise ApiError(
            "pocs_unavailable",
            _("The POC registry is unavailable; the notes are saved, try attaching again later."),
            status=503,
        )
    Dojo.objects.filter(id=dojo.id).update(retrospective_attached_at=timezone.now())
