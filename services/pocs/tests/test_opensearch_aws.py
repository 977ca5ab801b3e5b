"""pocs on Amazon OpenSearch Service: SigV4-signed requests over verified TLS, and the bootstrap.

An HTTP server of the test stands in for the domain, behind a TLS front with a
throwaway CA (``pocdex_shared.testing.tls``). It records what it receives: the
signature is checked here by recomputing SigV4 independently (canonical
request, string to sign, the derived key), as the domain does. The bootstrap
talks to a small stateful imitation of the security plugin's REST API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from opensearchpy import OpenSearch, Urllib3AWSV4SignerAuth
from opensearchpy.exceptions import SSLError

from pocdex_shared.testing.tls import TlsFront
from pocdex_shared.tls import opensearch_access
from search.bootstrap import ROLE, BootstrapError, ensure_pocs_access
from search.client import client_options

ACCESS_KEY = "AKIAPOCDEXTESTKEY000"
SECRET_KEY = "pocdex-test-secret-key-for-sigv4-0000000000"
SESSION_TOKEN = "pocdex-test-session-token"
REGION = "sa-east-1"
ROLE_ARN = "arn:aws:iam::222222222222:role/pocdex-prod-pocs"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    requests: list[Seen] = field(default_factory=list)
    # The security plugin's state, for the bootstrap: path -> document.
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_with: int | None = None


def _server(recorder: Recorder) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> Seen:
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(
                self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
            )
            recorder.requests.append(seen)
            return seen

        def do_GET(self) -> None:
            seen = self._record()
            if recorder.fail_with:
                self._answer(recorder.fail_with, {"status": "FORBIDDEN"})
            elif "/_plugins/_security/api/" in seen.path:
                document = recorder.documents.get(seen.path)
                name = seen.path.rsplit("/", 1)[1]
                if document is None:
                    self._answer(404, {"status": "NOT_FOUND"})
                else:
                    self._answer(200, {name: document})
            else:
                self._answer(200, {"version": {"number": "2.19.0"}})

        def do_PUT(self) -> None:
            seen = self._record()
            recorder.documents[seen.path] = json.loads(seen.body)
            self._answer(200, {"status": "OK"})

        def do_POST(self) -> None:
            self._record()
            self._answer(200, {"hits": {"hits": []}})

        def log_message(self, *args: Any) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def recorder() -> Iterator[tuple[Recorder, int]]:
    state = Recorder()
    server = _server(state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, int(server.server_address[1])
    server.shutdown()
    server.server_close()


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sigv4_valid(seen: Seen, *, secret: str, region: str, service: str) -> bool:
    """Recompute the request's SigV4 signature from what arrived, as AWS does."""
    authorization = seen.headers["Authorization"]
    algorithm, rest = authorization.split(" ", 1)
    fields = dict(part.strip().split("=", 1) for part in rest.split(","))
    access_key, date, scope_region, scope_service, terminal = fields["Credential"].split("/")
    if (algorithm, scope_region, scope_service, terminal) != (
        "AWS4-HMAC-SHA256",
        region,
        service,
        "aws4_request",
    ):
        return False
    headers = {k.lower(): " ".join(v.split()) for k, v in seen.headers.items()}
    signed = fields["SignedHeaders"].split(";")
    parts = urlsplit(seen.path)
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(parse_qsl(parts.query, keep_blank_values=True))
    )
    canonical = "\n".join(
        [
            seen.method,
            quote(parts.path or "/", safe="/-_.~"),
            query,
            "".join(f"{name}:{headers[name]}\n" for name in signed),
            fields["SignedHeaders"],
            hashlib.sha256(seen.body).hexdigest(),
        ]
    )
    amz_date = headers["x-amz-date"]
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(
        _hmac(_hmac(_hmac(f"AWS4{secret}".encode(), date), region), service), "aws4_request"
    )
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["Signature"]) and access_key == ACCESS_KEY


def test_locally_the_client_is_unchanged() -> None:
    assert client_options("http://127.0.0.1:19200", 3.0, 8) == {
        "hosts": ["http://127.0.0.1:19200"],
        "timeout": 3.0,
        "max_retries": 0,
        "retry_on_timeout": False,
        "pool_maxsize": 8,
    }


def test_on_aws_the_client_signs_with_the_role_and_verifies_the_certificate(
    credentials: None,
) -> None:
    options = client_options(
        "https://search.internal:443", 3.0, 8, auth="sigv4", region=REGION, ca_bundle="/ca.pem"
    )
    assert options["use_ssl"] is True
    assert options["verify_certs"] is True
    assert options["ca_certs"] == "/ca.pem"
    assert "connection_class" not in options  # urllib3, as locally
    signer = options["http_auth"]
    assert isinstance(signer, Urllib3AWSV4SignerAuth)
    assert (signer.service, signer.signer.region) == ("es", REGION)


def test_signed_requests_carry_a_valid_sigv4_signature_over_verified_tls(
    credentials: None, recorder: tuple[Recorder, int]
) -> None:
    state, port = recorder
    with TlsFront(port) as front:
        url = f"https://127.0.0.1:{front.port}"
        client = OpenSearch(
            **client_options(
                url, 10.0, 2, auth="sigv4", region=REGION, ca_bundle=str(front.authority.ca_file)
            )
        )
        assert client.info()["version"]["number"] == "2.19.0"
        client.search(index="pocs", body={"query": {"match": {"name": "dojo"}}}, params={"size": 5})

        untrusted = OpenSearch(**client_options(url, 10.0, 2, auth="sigv4", region=REGION))
        with pytest.raises(SSLError):
            untrusted.info()  # the throwaway CA is not in the system's bundle

    get, post = state.requests
    assert (get.method, post.method) == ("GET", "POST")
    assert post.body and json.loads(post.body) == {"query": {"match": {"name": "dojo"}}}
    for seen in (get, post):
        assert seen.headers["X-Amz-Security-Token"] == SESSION_TOKEN
        assert sigv4_valid(seen, secret=SECRET_KEY, region=REGION, service="es")
        assert not sigv4_valid(seen, secret=SECRET_KEY + "x", region=REGION, service="es")
        tampered = Seen(seen.method, seen.path + "x", seen.headers, seen.body)
        assert not sigv4_valid(tampered, secret=SECRET_KEY, region=REGION, service="es")


def test_the_access_settings_are_checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("OPENSEARCH_AUTH", "OPENSEARCH_CA_BUNDLE", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POCDEX_ENV", "test")
    assert opensearch_access("http://127.0.0.1:19200") == ("none", "", "")

    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("OPENSEARCH_AUTH", "SigV4")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("OPENSEARCH_CA_BUNDLE", str(bundle))
    assert opensearch_access("https://search.internal") == ("sigv4", REGION, str(bundle))

    refused = {
        "OPENSEARCH_AUTH": ("basic", "https://search.internal"),
        "OPENSEARCH_CA_BUNDLE": (str(tmp_path / "missing.pem"), "https://search.internal"),
    }
    for name, (value, url) in refused.items():
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            with pytest.raises(ImproperlyConfigured, match=name):
                opensearch_access(url)
    with pytest.raises(ImproperlyConfigured, match="https"):
        opensearch_access("http://search.internal")  # sigv4 over plain HTTP
    monkeypatch.delenv("AWS_REGION")
    with pytest.raises(ImproperlyConfigured, match="AWS_REGION"):
        opensearch_access("https://search.internal")
    monkeypatch.setenv("OPENSEARCH_AUTH", "none")
    monkeypatch.setenv("POCDEX_ENV", "production")
    with pytest.raises(ImproperlyConfigured, match="https"):
        opensearch_access("http://search.internal")


def _basic(seen: Seen) -> str:
    scheme, value = seen.headers["Authorization"].split(" ", 1)
    assert scheme == "Basic"
    return base64.b64decode(value).decode()


def test_the_bootstrap_maps_the_role_once_and_keeps_other_mappings(
    recorder: tuple[Recorder, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    state, port = recorder
    mapping_path = "/_plugins/_security/api/rolesmapping/pocs"
    state.documents[mapping_path] = {"backend_roles": [], "users": ["operator"], "hosts": []}
    monkeypatch.setenv("OPENSEARCH_MASTER_USER", "master")
    monkeypatch.setenv("OPENSEARCH_MASTER_PASSWORD", "master-password-from-secrets-manager")
    monkeypatch.setenv("OPENSEARCH_POCS_ROLE_ARN", ROLE_ARN)

    call_command("opensearch_bootstrap", endpoint=f"http://127.0.0.1:{port}")

    puts = [r for r in state.requests if r.method == "PUT"]
    assert [p.path for p in puts] == ["/_plugins/_security/api/roles/pocs", mapping_path]
    assert json.loads(puts[0].body) == ROLE
    assert json.loads(puts[1].body) == {
        "backend_roles": [ROLE_ARN],
        "users": ["operator"],
        "hosts": [],
    }
    assert {_basic(r) for r in state.requests} == {"master:master-password-from-secrets-manager"}

    # Again: everything is already so, nothing is written.
    state.requests.clear()
    call_command("opensearch_bootstrap", endpoint=f"http://127.0.0.1:{port}")
    assert [r.method for r in state.requests] == ["GET", "GET"]


def test_the_bootstrap_stops_on_a_refusal_or_a_wrong_role(recorder: tuple[Recorder, int]) -> None:
    state, port = recorder
    state.fail_with = 403
    with pytest.raises(BootstrapError, match="403"):
        ensure_pocs_access(
            f"http://127.0.0.1:{port}", role_arn=ROLE_ARN, username="m", password="p"
        )
    assert not [r for r in state.requests if r.method == "PUT"]
    with pytest.raises(BootstrapError, match="IAM role"):
        ensure_pocs_access(f"http://127.0.0.1:{port}", role_arn="pocs", username="m", password="p")


def test_the_bootstrap_needs_the_role(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENSEARCH_POCS_ROLE_ARN", raising=False)
    with pytest.raises(CommandError, match="OPENSEARCH_POCS_ROLE_ARN"):
        call_command("opensearch_bootstrap")
