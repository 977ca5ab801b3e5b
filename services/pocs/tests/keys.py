"""The signing key of these tests' stand-in for accounts, and access tokens minted with it.

``settings_test.JWT_KEY_SOURCE`` points at ``key_source``, so the real verifier
checks tokens against the public half of ``SIGNING_KEY``; accounts is never called.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from pocdex_shared.jwt import KeySource, StaticKeySource

KID = "pocs-tests-1"
SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_source() -> KeySource:
    return StaticKeySource({KID: SIGNING_KEY.public_key()})


def access_token(
    *, tenant_id: uuid.UUID | str, subject: uuid.UUID | str, role: str = "member", **claims: Any
) -> str:
    """An access token as accounts issues it (RS256, ``kid``), optionally with a ``name``."""
    now = int(time.time())
    payload: dict[str, Any] = {
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
    return jwt.encode(payload, SIGNING_KEY, algorithm="RS256", headers={"kid": KID})


def service_token(*, service: str, audience: str = "pocdex-pocs", **claims: Any) -> str:
    """A service token as accounts issues it (``POST /internal/v1/service-tokens``)."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": settings.JWT_ISSUER,
        "aud": audience,
        "sub": f"service:{service}",
        "typ": "service",
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode(payload, SIGNING_KEY, algorithm="RS256", headers={"kid": KID})
