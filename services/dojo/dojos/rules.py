"""What a caller may do in a dojo, and the dojo's error codes.

Every member of the organization sees team dojos; an invite-only dojo exists
only for its facilitator and invitees (others get ``dojo_not_found``). The
facilitator (who created it) and the organization's admins and owners run the
dojo: start, end, assign roles, pass the keyboard on anyone's behalf.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from pocdex_shared.callers import Caller
from pocdex_shared.errors import ApiError, not_found

from .models import Dojo, Visibility


def can_see(actor: Caller, dojo: Dojo) -> bool:
    if dojo.visibility == Visibility.TEAM or actor.is_admin:
        return True
    return actor.id == dojo.facilitator_id or str(actor.id) in dojo.invitees


def can_run(actor: Caller, dojo: Dojo) -> bool:
    """Start, end, assign roles, change the dojo."""
    return actor.id == dojo.facilitator_id or actor.is_admin


def dojo_not_found() -> ApiError:
    return not_found("dojo_not_found", _("This dojo does not exist."))


class DojoError(Exception):
    """A refused command: sent to its sender as ``{"type": "error", "code", "message"}``."""

    def __init__(self, code: str, message: Any, *, status: int = 409) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.status = status

    def as_api_error(self) -> ApiError:
        return ApiError(self.code, self.message, status=self.status)


def not_live() -> DojoError:
    return DojoError("dojo_not_live", _("The dojo has not started."))


def ended() -> DojoError:
    return DojoError("dojo_ended", _("The dojo has ended."))


def not_allowed(code: str, message: Any) -> DojoError:
    return DojoError(code, message, status=403)
