"""Local mail catcher: an SMTP server that keeps every message, and an HTTP API to read them.

SMTP on 127.0.0.1:1025 accepts any message and stores it as ``var/mail/<id>.eml``
(the envelope beside it as ``<id>.json``). HTTP on 127.0.0.1:8025:

    GET    /                      inbox for people (HTML)
    GET    /messages/<id>         one message for people (HTML)
    GET    /api/messages          JSON list, newest first; filters ?to=, ?subject_contains=, ?limit=
    GET    /api/messages/<id>     one message, with its raw source
    DELETE /api/messages          delete every message
    DELETE /api/messages/<id>     delete one message

Each message in the API: id, from, to (the envelope recipients, so Bcc counts),
headers_to, cc, subject, date, received_at, text, html, links, attachments.
The newest ``--keep`` messages are kept (1,000 by default); older ones are deleted
as new ones arrive.
Only the standard library and aiosmtpd.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import signal
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

MESSAGE_ID = re.compile(r"^[0-9]{19,}-[0-9a-f]{8}$")
LINK = re.compile(r"""https?://[^\s<>"')\]]+""")


#: Messages kept by default: the oldest go once there are more. Listing parses
#: each message once (then serves it from memory), so thousands stay quick.
DEFAULT_KEEP = 1000


@dataclass(frozen=True)
class Mailbox:
    """The folder of stored messages. Writes are atomic, so readers never see half a message.

    A stored message never changes, so each is parsed once and kept in memory
    (``load``); ``keep`` bounds how many stay in the folder.
    """

    folder: Path
    keep: int = DEFAULT_KEEP
    _parsed: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def store(self, *, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> str:
        message_id = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        envelope = {
            "mail_from": mail_from,
            "rcpt_tos": rcpt_tos,
            "received_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        }
        self._write(f"{message_id}.json", json.dumps(envelope).encode())
        self._write(f"{message_id}.eml", raw)
        for old in self.ids()[self.keep :]:
            self.delete(old)
        return message_id

    def ids(self) -> list[str]:
        """Message ids, newest first."""
        found = (path.stem for path in self.folder.glob("*.eml"))
        return sorted((i for i in found if MESSAGE_ID.match(i)), reverse=True)

    def load(self, message_id: str) -> dict[str, Any] | None:
        if not MESSAGE_ID.match(message_id):
            return None
        with self._lock:
            parsed = self._parsed.get(message_id)
        if parsed is not None:
            return parsed
        try:
            raw = (self.folder / f"{message_id}.eml").read_bytes()
        except FileNotFoundError:
            return None
        try:
            envelope = json.loads((self.folder / f"{message_id}.json").read_text())
        except (FileNotFoundError, ValueError):
            envelope = {}
        parsed = describe(message_id, raw, envelope)
        with self._lock:
            self._parsed[message_id] = parsed
        return parsed

    def warm(self) -> None:
        """Parse every stored message ahead of the first listing."""
        for message_id in self.ids():
            self.load(message_id)

    def delete(self, message_id: str | None = None) -> int:
        targets = [message_id] if message_id else self.ids()
        deleted = 0
        for target in targets:
            if not MESSAGE_ID.match(target):
                continue
            with self._lock:
                self._parsed.pop(target, None)
            for suffix in (".eml", ".json"):
                try:
                    (self.folder / f"{target}{suffix}").unlink()
                    deleted += suffix == ".eml"
                except FileNotFoundError:
                    pass
        return deleted

    def _write(self, name: str, data: bytes) -> None:
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(data)
        os.replace(temporary, self.folder / name)


def _addresses(message: EmailMessage, header: str) -> list[str]:
    return [address for _, address in getaddresses(message.get_all(header, [])) if address]


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, ValueError):  # unknown charset or broken encoding: show what we can
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _attachments(message: EmailMessage) -> list[dict[str, Any]]:
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        found.append(
            {
                "filename": part.get_filename() or "",
                "content_type": part.get_content_type(),
                "size": len(payload) if isinstance(payload, bytes) else 0,
            }
        )
    return found


def describe(message_id: str, raw: bytes, envelope: dict[str, Any]) -> dict[str, Any]:
    """Everything a test or a person wants to know about one message, MIME decoded."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    text = _body(message, "plain")
    html_body = _body(message, "html")
    links = list(dict.fromkeys(LINK.findall(text) + LINK.findall(html.unescape(html_body))))
    headers_to = _addresses(message, "to")
    return {
        "id": message_id,
        "from": str(message.get("from", envelope.get("mail_from", ""))),
        "to": envelope.get("rcpt_tos") or headers_to,
        "headers_to": headers_to,
        "cc": _addresses(message, "cc"),
        "subject": str(message.get("subject", "")),
        "date": str(message.get("date", "")),
        "received_at": envelope.get("received_at", ""),
        "text": text,
        "html": html_body,
        "links": links,
        "attachments": _attachments(message),
        "raw": raw.decode("utf-8", "replace"),
    }


def matches(message: dict[str, Any], *, to: str | None, subject_contains: str | None) -> bool:
    if to:
        wanted = to.strip().lower()
        recipients = {a.lower() for a in [*message["to"], *message["headers_to"], *message["cc"]]}
        if wanted not in recipients:
            return False
    return not subject_contains or subject_contains.lower() in message["subject"].lower()


def summary(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if key != "raw"}


class SmtpHandler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or b""
        message_id = self.mailbox.store(
            raw=raw, mail_from=envelope.mail_from or "", rcpt_tos=list(envelope.rcpt_tos)
        )
        print(f"mail {message_id} from={envelope.mail_from} to={envelope.rcpt_tos}", flush=True)
        return "250 Message accepted for delivery"


PAGE_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem .6rem;
border-bottom:1px solid #ddd;vertical-align:top}pre{white-space:pre-wrap;background:#f6f6f6;
padding:1rem}iframe{width:100%;height:30rem;border:1px solid #ddd}.muted{color:#777}
"""


def page(title: str, body: str) -> bytes:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    ).encode()


def inbox_page(messages: list[dict[str, Any]]) -> bytes:
    rows = "".join(
        "<tr>"
        f"<td class='muted'>{html.escape(m['received_at'])}</td>"
        f"<td>{html.escape(m['from'])}</td>"
        f"<td>{html.escape(', '.join(m['to']))}</td>"
        f"<td><a href='/messages/{html.escape(m['id'])}'>{html.escape(m['subject'] or '(no subject)')}</a></td>"
        "</tr>"
        for m in messages
    )
    table = (
        f"<table><tr><th>received</th><th>from</th><th>to</th><th>subject</th></tr>{rows}</table>"
        if messages
        else "<p class='muted'>No messages yet. Send SMTP to 127.0.0.1:1025.</p>"
    )
    return page(
        "Pocdex local mail",
        f"<h1>Local mail ({len(messages)})</h1><p class='muted'>JSON: "
        "<a href='/api/messages'>/api/messages</a></p>" + table,
    )


def message_page(m: dict[str, Any]) -> bytes:
    fields = [
        ("From", m["from"]),
        ("To", ", ".join(m["to"])),
        ("Cc", ", ".join(m["cc"])),
        ("Subject", m["subject"]),
        ("Date", m["date"]),
    ]
    header_rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in fields if v
    )
    attachments = "".join(
        f"<li>{html.escape(a['filename'] or '(unnamed)')} "
        f"({html.escape(a['content_type'])}, {a['size']} bytes)</li>"
        for a in m["attachments"]
    )
    body = (
        "<p><a href='/'>&larr; inbox</a> · "
        f"<a href='/api/messages/{html.escape(m['id'])}'>JSON</a></p>"
        f"<h1>{html.escape(m['subject'] or '(no subject)')}</h1><table>{header_rows}</table>"
    )
    if m["html"]:
        # The sandbox keeps the message's scripts, forms and links from running here.
        body += f"<h2>HTML</h2><iframe sandbox='' srcdoc='{html.escape(m['html'], quote=True)}'></iframe>"
    if m["text"]:
        body += f"<h2>Text</h2><pre>{html.escape(m['text'])}</pre>"
    if attachments:
        body += f"<h2>Attachments</h2><ul>{attachments}</ul>"
    body += f"<h2>Source</h2><pre>{html.escape(m['raw'])}</pre>"
    return page(m["subject"] or "message", body)


class HttpHandler(BaseHTTPRequestHandler):
    mailbox: Mailbox
    server_version = "pocdex-mailcatcher/1"

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        parts = [p for p in url.path.split("/") if p]
        if parts == []:
            self._send(HTTPStatus.OK, inbox_page(self._list({})), "text/html; charset=utf-8")
        elif len(parts) == 2 and parts[0] == "messages":
            message = self.mailbox.load(parts[1])
            if message is None:
                self._error(HTTPStatus.NOT_FOUND, "not_found", "No such message.")
            else:
                self._send(HTTPStatus.OK, message_page(message), "text/html; charset=utf-8")
        elif parts == ["api", "messages"]:
            try:
                self._json(HTTPStatus.OK, [summary(m) for m in self._list(query)])
            except ValueError:
                self._error(HTTPStatus.BAD_REQUEST, "invalid", "limit must be a whole number.")
        elif len(parts) == 3 and parts[:2] == ["api", "messages"]:
            message = self.mailbox.load(parts[2])
            if message is None:
                self._error(HTTPStatus.NOT_FOUND, "not_found", "No such message.")
            else:
                self._json(HTTPStatus.OK, message)
        else:
            self._error(HTTPStatus.NOT_FOUND, "not_found", "No such page.")

    def do_DELETE(self) -> None:
        parts = [p for p in urlsplit(self.path).path.split("/") if p]
        if parts == ["api", "messages"]:
            self._json(HTTPStatus.OK, {"deleted": self.mailbox.delete()})
        elif len(parts) == 3 and parts[:2] == ["api", "messages"]:
            if self.mailbox.delete(parts[2]):
                self._json(HTTPStatus.OK, {"deleted": 1})
            else:
                self._error(HTTPStatus.NOT_FOUND, "not_found", "No such message.")
        else:
            self._error(HTTPStatus.NOT_FOUND, "not_found", "No such page.")

    def _list(self, query: dict[str, str]) -> list[dict[str, Any]]:
        limit = int(query["limit"]) if "limit" in query else None
        found = []
        for message_id in self.mailbox.ids():
            message = self.mailbox.load(message_id)
            if message is None:  # deleted meanwhile
                continue
            if matches(message, to=query.get("to"), subject_contains=query.get("subject_contains")):
                found.append(message)
                if limit is not None and len(found) >= limit:
                    break
        return found

    def _json(self, status: HTTPStatus, data: Any) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode(), "application/json")

    def _error(self, status: HTTPStatus, code: str, message: str) -> None:
        self._json(status, {"error": {"code": code, "message": message}})

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stdout.write(f"http {self.address_string()} {format % args}\n")
        sys.stdout.flush()


def default_folder() -> Path:
    root = Path(os.environ.get("POCDEX_VAR", Path(__file__).resolve().parent.parent / "var"))
    return root / "mail"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, default=default_folder())
    parser.add_argument(
        "--keep", type=int, default=DEFAULT_KEEP, help="messages kept; the oldest go first"
    )
    args = parser.parse_args(argv)
    if args.keep < 1:
        parser.error("--keep must be at least 1")

    args.dir.mkdir(parents=True, exist_ok=True)
    mailbox = Mailbox(args.dir, keep=args.keep)
    smtp = Controller(
        SmtpHandler(mailbox),
        hostname=args.host,
        port=args.smtp_port,
        enable_SMTPUTF8=True,
        data_size_limit=50 * 1024 * 1024,
    )
    smtp.start()
    # Parse what an earlier run stored now, not on the first listing.
    threading.Thread(target=mailbox.warm, daemon=True).start()
    handler = type("Handler", (HttpHandler,), {"mailbox": mailbox})
    http = ThreadingHTTPServer((args.host, args.http_port), handler)
    http.daemon_threads = True

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=http.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"mailcatcher: SMTP {args.host}:{args.smtp_port}, HTTP http://{args.host}:{args.http_port}, "
        f"storing in {args.dir}",
        flush=True,
    )
    try:
        http.serve_forever()
    finally:
        http.server_close()
        smtp.stop()


if __name__ == "__main__":
    main()
