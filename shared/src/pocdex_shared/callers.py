"""Who is calling: one type for every service, whatever the path in.

A ``Caller`` is a person acting in one organization. It is built from a
verified access token (HTTP), from a redeemed WebSocket ticket (the socket's
``scope["user"]``), from an internal request that names the person on whose
behalf another service acts, or from what a job or a task recorded when it was
accepted. Permission rules stay in each service (its ``rules.py``) as functions
taking a ``Caller``; only the role vocabulary lives here.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pocdex_shared.jwt import VerifiedToken
    from pocdex_shared.tenancy.models import AbstractTenant

OWNER = "owner"
ADMIN = "admin"
MEMBER = "member"
ADMIN_ROLES = frozenset({OWNER, ADMIN})
NAME_MAX_LENGTH = 150


def _name(value: Any) -> str:
    return value.strip()[:NAME_MAX_LENGTH] if isinstance(value, str) else ""


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


@dataclass(frozen=True)
class Caller:
    """A person acting in an organization.

    ``tenant`` is the replica row the caller was resolved with, when there is
    one (requests and sockets); it is not part of the caller's identity.
    Services other than accounts have no User table: this is also what DRF and
    Channels see as ``request.user`` / ``scope["user"]``.
    """

    id: uuid.UUID
    tenant_id: uuid.UUID
    role: str = MEMBER
    name: str = ""
    session_id: str | None = None
    token_id: str | None = None
    tenant: AbstractTenant | None = field(default=None, compare=False, repr=False)

    is_authenticated = True
    is_anonymous = False
    is_active = True

    @property
    def pk(self) -> str:
        return str(self.id)

    @property
    def is_admin(self) -> bool:
        """Owners and admins run the organization's content."""
        return self.role in ADMIN_ROLES

    @property
    def is_owner(self) -> bool:
        return self.role == OWNER

    def require_tenant(self) -> AbstractTenant:
        """The replica row; only callers resolved by a request or a scope carry one."""
        if self.tenant is None:
            raise LookupError("this caller was not resolved with its tenant row")
        return self.tenant

    def as_json(self) -> dict[str, str]:
        return {"id": str(self.id), "name": self.name}

    # ------------------------------------------------------------------ builders

    @classmethod
    def from_token(cls, token: VerifiedToken, *, tenant: AbstractTenant | None = None) -> Caller:
        """From a verified access token (the ``name`` claim is the display name).

        Only tokens of an organization make callers: the tenant middleware has
        refused the others before any view runs.
        """
        return cls(
            id=_uuid(token.subject),
            tenant_id=_uuid(token.tenant_id),
            role=token.role or MEMBER,
            name=_name(token.claims.get("name")),
            session_id=token.session_id,
            token_id=token.token_id,
            tenant=tenant,
        )

    @classmethod
    def from_ticket(
        cls, data: Mapping[str, Any], *, tenant: AbstractTenant | None = None
    ) -> Caller:
        """From a redeemed WebSocket ticket (``pocdex_shared.tenancy.asgi``)."""
        extra = data.get("extra") or {}
        return cls(
            id=_uuid(data["sub"]),
            tenant_id=_uuid(data["tid"]),
            role=data.get("role") or MEMBER,
            name=_name(extra.get("name") if isinstance(extra, Mapping) else None),
            session_id=data.get("sid"),
            token_id=data.get("jti"),
            tenant=tenant,
        )

    @classmethod
    def acting_for(
        cls,
        *,
        person_id: uuid.UUID | str,
        tenant_id: uuid.UUID | str,
        role: str | None,
        name: str = "",
        tenant: AbstractTenant | None = None,
    ) -> Caller:
        """The person an internal request or a recorded job names as acting.

        Only a verified service token may name a person (internal APIs); a job
        or a task uses the fields it recorded when it was accepted.
        """
        return cls(
            id=_uuid(person_id),
            tenant_id=_uuid(tenant_id),
            role=role or MEMBER,
            name=_name(name),
            tenant=tenant,
        )
