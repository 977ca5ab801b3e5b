"""A throwaway certificate authority and a TLS front for a local TCP server, for tests.

``TlsFront`` accepts TLS on 127.0.0.1 with a certificate for ``127.0.0.1`` and
``localhost`` signed by its own CA, and forwards the plain bytes to a local
server (Redis, an HTTP server): with it a test reaches a real server over
TLS, as the services reach ElastiCache or OpenSearch on AWS, and can check
that a client verifies the certificate (it refuses the front without the CA
file, and connects with it).
"""

from __future__ import annotations

import ipaddress
import select
import socket
import ssl
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


class TestAuthority:
    """A CA and one server certificate for 127.0.0.1/localhost, written to a folder."""

    def __init__(self, folder: Path) -> None:
        now = datetime.now(UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = (
            x509.CertificateBuilder()
            .subject_name(_name("pocdex test CA"))
            .issuer_name(_name("pocdex test CA"))
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        server = (
            x509.CertificateBuilder()
            .subject_name(_name("127.0.0.1"))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_file = folder / "ca.pem"
        self.cert_file = folder / "server.pem"
        self.key_file = folder / "server.key"
        self.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        self.cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
        self.key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


class TlsFront:
    """TLS on a free port of 127.0.0.1, forwarded in plain to ``127.0.0.1:target_port``."""

    def __init__(self, target_port: int, folder: Path | None = None) -> None:
        self._folder = tempfile.TemporaryDirectory() if folder is None else None
        self.authority = TestAuthority(folder or Path(self._folder.name))  # type: ignore[union-attr]
        self.target_port = target_port
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(self.authority.cert_file, self.authority.key_file)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> TlsFront:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=5)
        if self._folder is not None:
            self._folder.cleanup()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, raw: socket.socket) -> None:
        try:
            secure = self._context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()  # the client refused our certificate, or spoke plain
            return
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([secure, upstream], [], [], 0.5)
                if secure in ready or secure.pending():
                    data = secure.recv(65536)
                    if not data:
                        return
                    upstream.sendall(data)
                if upstream in ready:
                    data = upstream.recv(65536)
                    if not data:
                        return
                    secure.sendall(data)
        except (ssl.SSLError, OSError):
            return
        finally:
            upstream.close()
            secure.close()
