"""The signing key of these tests' "accounts", and access tokens minted with it.

``settings.JWT_KEY_SOURCE`` points at ``key_source``, so the real
``get_verifier()`` checks tokens against the public half of ``SIGNING_KEY``.
``ATTACKER_KEY`` is a key nobody published: tokens signed with it must fail.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from pocdex_shared.jwt import KeySource, StaticKeySource

KID = "tests-2026-01"
SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ATTACKER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_source() -> KeySource:
    """Zero-argument factory for ``settings.JWT_KEY_SOURCE``."""
    return StaticKeySource({KID: SIGNING_KEY.public_key()})


def access_token(
    *,
    tenant_id: uuid.UUID | str | None,
    subject: str | None = None,
    role: str = "member",
    key: rsa.RSAPrivateKey = SIGNING_KEY,
    kid: str = KID,
    ttl: int = 600,
    **claims: Any,
) -> str:
    """An access token as accounts issues it (RS256, ``kid`` header), for ``tenant_id``."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": settings.JWT_ISSUER,
        "aud": "pocdex-api",
        "sub": subject or str(uuid.uuid4()),
        "role": role,
        "typ": "access",
        "iat": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    if tenant_id is not None:
        payload["tid"] = str(tenant_id)
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def bearer(token: str) -> dict[str, str]:
    """Django test client keyword arguments for ``Authorization: Bearer <token>``."""
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
