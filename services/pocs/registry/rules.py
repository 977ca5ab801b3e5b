"""What a caller may do, and the error codes of the registry.

Rules (docs/adr/0009): every member reads team POCs; a private POC exists only
for its author (anyone else gets ``poc_not_found``, never a hint that it
exists); the author, the contributors and the organization's admins and owners
may change, delete and restore a POC they can see.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from pocdex_shared.callers import Caller
from pocdex_shared.errors import MESSAGES, ApiError, field_error, forbidden, not_found

from .models import Poc, Visibility


def can_see(actor: Caller, poc: Poc) -> bool:
    return poc.visibility == Visibility.TEAM or poc.author_id == actor.id


def can_edit(actor: Caller, poc: Poc) -> bool:
    if not can_see(actor, poc):
        return False
    return poc.author_id == actor.id or actor.id in poc.contributors or actor.is_admin


# --------------------------------------------------------------------------- errors


def poc_not_found() -> ApiError:
    return not_found("poc_not_found", _("This POC does not exist."))


def attachment_not_found() -> ApiError:
    return not_found("attachment_not_found", _("This attachment does not exist."))


def edit_denied() -> ApiError:
    return forbidden(
        "permission_denied",
        _("Only the author, the contributors and admins may change this POC."),
    )


def invalid(fields: dict[str, list[dict[str, Any]]]) -> ApiError:
    return ApiError("validation_error", MESSAGES["validation_error"], fields=fields)


def one_field_error(field: str, code: str, message: Any) -> ApiError:
    return invalid({field: [field_error(code, message)]})
