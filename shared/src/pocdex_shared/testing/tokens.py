"""A stand-in for accounts' signing key in a service's tests, and tokens minted with it.

A service's test settings set ``JWT_KEY_SOURCE = "pocdex_shared.testing.tokens.key_source"``:
the real verifier then checks tokens against the public half of ``SIGNING_KEY``
and accounts is never called. The key is generated once per test process.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from pocdex_shared.jwt import KeySource, StaticKeySource

KID = "service-tests-1"
SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_source() -> KeySource:
    return StaticKeySource({KID: SIGNING_KEY.public_key()})


def _sign(payload: dict[str, Any]) -> str:
    return jwt.encode(payload, SIGNING_KEY, algorithm="RS256", headers={"kid": KID})


def access_token(
    *, tenant_id: uuid.UUID | str, subject: uuid.UUID | str, role: str = "member", **claims: Any
) -> str:
    """An access token as accounts issues it (RS256, ``kid``), optionally with a ``name``."""
    now = int(time.time())
    return _sign(
        {
            "iss": settings.JWT_ISSUER,
            "aud": "pocdex-api",
            "sub": str(subject),
            "tid": str(tenant_id),
            "role": role,
            "typ": "access",
            "iat": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
            **claims,
        }
    )


def service_token(*, service: str, audience: str, **claims: Any) -> str:
    """A service token as accounts issues it (``POST /internal/v1/service-tokens``)."""
    now = int(time.time())
    return _sign(
        {
            "iss": settings.JWT_ISSUER,
            "aud": audience,
            "sub": f"service:{service}",
            "typ": "service",
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
            **claims,
        }
    )
