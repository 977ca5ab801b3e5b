"""Who is calling: the identity a verified access token carries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TokenPrincipal:
    """A user seen through a verified token; services other than accounts have no User table."""

    id: str
    tenant_id: str | None
    role: str | None
    token_id: str

    is_authenticated = True
    is_anonymous = False
    is_active = True

    @property
    def pk(self) -> str:
        return self.id

    @property
    def is_admin(self) -> bool:
        return self.role in {"owner", "admin"}
