"""The mail catcher keeps every message and serves it decoded over HTTP.

Each test runs its own catcher on free ports with an empty folder.
"""

from __future__ import annotations

import smtplib
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import requests

from .conftest import ROOT, free_port, port_open, wait_until


class Catcher:
    def __init__(self, folder: Path, *extra: str) -> None:
        self.folder = folder
        self.smtp_port = free_port()
        self.http_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "local" / "mailcatcher.py"),
                "--smtp-port",
                str(self.smtp_port),
                "--http-port",
                str(self.http_port),
                "--dir",
                str(folder),
                *extra,
            ],
            stdout=subprocess.DEVNULL,
        )
        assert wait_until(lambda: port_open(self.http_port) and port_open(self.smtp_port), 15)

    def send(self, message: EmailMessage, to: list[str] | None = None) -> None:
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as smtp:
            smtp.send_message(message, to_addrs=to)

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(self.url + path, params=params, timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def catcher(tmp_path: Path) -> Iterator[Catcher]:
    running = Catcher(tmp_path / "mail")
    yield running
    running.stop()


def message(
    *, to: str = "ana@example.com", subject: str = "Hello", text: str = "Hi", html: str = ""
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Pocdex <no-reply@pocdex.local>"
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(text)
    if html:
        mail.add_alternative(html, subtype="html")
    return mail


def test_a_sent_message_is_stored_and_listed_decoded(catcher: Catcher) -> None:
    mail = message(
        subject="Confirme seu e-mail — ação necessária",
        text="Olá Ana,\nconfirme: http://localhost:8000/verify?token=abc&next=%2F\n" + "é" * 200,
        html="<p>Olá <a href='http://localhost:8000/verify?token=abc&amp;next=%2F'>confirmar</a></p>",
    )
    mail.add_attachment(
        b"%PDF-1.4", maintype="application", subtype="pdf", filename="relatório.pdf"
    )
    catcher.send(mail)

    listed = catcher.get("/api/messages").json()
    assert len(listed) == 1
    got = listed[0]
    assert got["subject"] == "Confirme seu e-mail — ação necessária"
    assert got["from"] == "Pocdex <no-reply@pocdex.local>"
    assert got["to"] == ["ana@example.com"]
    assert got["text"].startswith("Olá Ana,")
    assert got["text"].rstrip().endswith("é" * 200)
    assert "<a href='http://localhost:8000/verify" in got["html"]
    assert got["links"] == ["http://localhost:8000/verify?token=abc&next=%2F"]
    assert got["attachments"] == [
        {"filename": "relatório.pdf", "content_type": "application/pdf", "size": 8}
    ]
    assert "raw" not in got
    assert len(list(catcher.folder.glob("*.eml"))) == 1


def test_one_message_comes_with_its_raw_source(catcher: Catcher) -> None:
    catcher.send(message(subject="Raw"))
    message_id = catcher.get("/api/messages").json()[0]["id"]
    got = catcher.get(f"/api/messages/{message_id}").json()
    assert got["id"] == message_id
    assert "Subject: Raw" in got["raw"]


def test_messages_are_listed_newest_first(catcher: Catcher) -> None:
    for n in range(3):
        catcher.send(message(subject=f"number {n}"))
    subjects = [m["subject"] for m in catcher.get("/api/messages").json()]
    assert subjects == ["number 2", "number 1", "number 0"]
    assert [m["subject"] for m in catcher.get("/api/messages", limit=1).json()] == ["number 2"]


def test_filters_by_recipient_including_bcc_and_by_subject(catcher: Catcher) -> None:
    catcher.send(message(to="ana@example.com", subject="Invitation to Acme"))
    catcher.send(message(to="bia@example.com", subject="Reset your password"))
    catcher.send(
        message(to="ana@example.com", subject="Digest"), to=["ana@example.com", "boss@x.org"]
    )

    to_ana = catcher.get("/api/messages", to="ANA@example.com").json()
    assert [m["subject"] for m in to_ana] == ["Digest", "Invitation to Acme"]
    bcc = catcher.get("/api/messages", to="boss@x.org").json()
    assert [m["subject"] for m in bcc] == ["Digest"]
    reset = catcher.get("/api/messages", subject_contains="PASSWORD").json()
    assert [m["to"] for m in reset] == [["bia@example.com"]]
    assert catcher.get("/api/messages", to="nobody@example.com").json() == []


def test_delete_one_and_delete_all(catcher: Catcher) -> None:
    for n in range(3):
        catcher.send(message(subject=f"m{n}"))
    first = catcher.get("/api/messages").json()[0]["id"]
    assert requests.delete(f"{catcher.url}/api/messages/{first}", timeout=5).json() == {
        "deleted": 1
    }
    assert len(catcher.get("/api/messages").json()) == 2
    assert requests.delete(f"{catcher.url}/api/messages", timeout=5).json() == {"deleted": 2}
    assert catcher.get("/api/messages").json() == []
    assert list(catcher.folder.iterdir()) == []


@pytest.mark.parametrize(
    "bad_id", ["123", "..%2F..%2Fetc%2Fpasswd", "1795683562598852220-zzzzzzzz"]
)
def test_unknown_or_malformed_ids_get_a_json_404(catcher: Catcher, bad_id: str) -> None:
    response = catcher.get(f"/api/messages/{bad_id}")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "No such message."}}


def test_a_bad_limit_is_a_400(catcher: Catcher) -> None:
    response = catcher.get("/api/messages", limit="many")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_the_html_inbox_escapes_what_senders_wrote(catcher: Catcher) -> None:
    catcher.send(
        message(subject="<script>alert('x')</script>", html="<p>hi<script>alert(1)</script></p>")
    )
    inbox = catcher.get("/")
    assert inbox.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<script>" not in inbox.text
    assert "&lt;script&gt;" in inbox.text
    message_id = catcher.get("/api/messages").json()[0]["id"]
    assert f"href='/messages/{message_id}'" in inbox.text
    page = catcher.get(f"/messages/{message_id}")
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "sandbox=''" in page.text


def test_messages_survive_a_restart(tmp_path: Path) -> None:
    first = Catcher(tmp_path / "mail")
    first.send(message(subject="kept"))
    first.stop()
    second = Catcher(tmp_path / "mail")
    try:
        assert [m["subject"] for m in second.get("/api/messages").json()] == ["kept"]
    finally:
        second.stop()


def test_only_the_newest_messages_are_kept(tmp_path: Path) -> None:
    catcher = Catcher(tmp_path / "mail", "--keep", "3")
    try:
        for n in range(5):
            catcher.send(message(subject=f"mail {n}"))
        listed = catcher.get("/api/messages").json()
        assert [m["subject"] for m in listed] == ["mail 4", "mail 3", "mail 2"]
        assert len(list((tmp_path / "mail").glob("*.eml"))) == 3
        assert len(list((tmp_path / "mail").glob("*.json"))) == 3
    finally:
        catcher.stop()


def test_a_deleted_message_is_gone_from_the_list_after_being_read(catcher: Catcher) -> None:
    catcher.send(message(subject="read then deleted"))
    (listed,) = catcher.get("/api/messages").json()
    assert requests.delete(f"{catcher.url}/api/messages/{listed['id']}", timeout=10).ok
    assert catcher.get("/api/messages").json() == []
    assert catcher.get(f"/api/messages/{listed['id']}").status_code == 404


def test_keep_must_be_positive(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "local" / "mailcatcher.py"), "--keep", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2 and "--keep must be at least 1" in done.stderr
