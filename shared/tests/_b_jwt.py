"""Real keys, real tokens and a real JWKS server for the JWT tests.

Nothing here imitates our own code: keys come from ``cryptography``, tokens
from PyJWT (or, for forgeries PyJWT refuses to make, from the JWS recipe by
hand), and the JWKS is served over HTTP by ``http.server`` on a free port.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import RSAAlgorithm

from pocdex_shared.jwt import KeySource, StaticKeySource

ISSUER = "https://accounts.pocdex.test"
AUDIENCE = "pocdex-api"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def public_pem(self) -> bytes:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwk(self, **extra: Any) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.public_key, as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256", **extra}


@cache
def _rsa(name: str, bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def signing_key(kid: str, *, bits: int = 2048) -> SigningKey:
    """A key pair per kid, generated once per test session (RSA generation is slow)."""
    return SigningKey(kid=kid, private_key=_rsa(kid, bits))


def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def access_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": [AUDIENCE],
        "sub": str(uuid.uuid4()),
        "tid": str(uuid.uuid4()),
        "role": "member",
        "typ": "access",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return claims


def service_claims(service: str, **overrides: Any) -> dict[str, Any]:
    defaults = {"aud": f"pocdex-{service}", "sub": "service:media", "typ": "service"}
    claims = access_claims(**{**defaults, **overrides})
    del claims["tid"], claims["role"]
    return claims


def without(claims: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: value for name, value in claims.items() if name not in names}


def mint(
    claims: dict[str, Any],
    key: SigningKey,
    *,
    algorithm: str = "RS256",
    kid: str | None = "",
    headers: dict[str, Any] | None = None,
) -> str:
    """A token signed by PyJWT; ``kid=None`` leaves the kid out, ``""`` uses the key's."""
    header: dict[str, Any] = {"typ": "at+jwt", **(headers or {})}
    if kid is not None:
        header["kid"] = kid or key.kid
    return jwt.encode(claims, key.private_key, algorithm=algorithm, headers=header)


def _segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, Any], claims: dict[str, Any], *, hmac_secret: bytes | None) -> str:
    """A token assembled by hand, as an attacker would: HS256 with a chosen secret, or unsigned."""
    signing_input = (
        f"{_segment(json.dumps(header).encode())}.{_segment(json.dumps(claims).encode())}"
    )
    if hmac_secret is None:
        return f"{signing_input}."
    signature = hmac.new(hmac_secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_segment(signature)}"


def static_key_source() -> KeySource:
    """Zero-argument factory for ``JWT_KEY_SOURCE`` in the settings tests."""
    return StaticKeySource({"static-1": signing_key("static-1").public_key})


class JwksServer:
    """Serves a JWKS document we control and counts how often it is fetched."""

    def __init__(self, keys: Sequence[SigningKey] = ()) -> None:
        self.document: dict[str, Any] = {"keys": [key.jwk() for key in keys]}
        self.status = 200
        self._fetches = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server._fetches += 1
                    status, body = server.status, json.dumps(server.document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/.well-known/jwks.json"

    @property
    def fetches(self) -> int:
        with self._lock:
            return self._fetches

    def publish(self, *keys: SigningKey) -> None:
        with self._lock:
            self.document = {"keys": [key.jwk() for key in keys]}

    @contextmanager
    def running(self) -> Iterator[JwksServer]:
        thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._httpd.shutdown()
            self._httpd.server_close()
            thread.join(timeout=5)


def closed_port_url() -> str:
    """A URL on which nothing listens (a port we bound and released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/.well-known/jwks.json"
