"""Read what the local SMTP catcher received, as a person reading their inbox would."""

from __future__ import annotations

import os
import time
from typing import Any

import requests


def mailcatcher_url() -> str:
    return os.environ.get("MAILCATCHER_URL", "http://127.0.0.1:8025").rstrip("/")


class Mailbox:
    """The catcher's HTTP API (``local/mailcatcher.py``)."""

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = base_url or mailcatcher_url()

    def messages_to(self, to: str) -> list[dict[str, Any]]:
        response = requests.get(f"{self.base_url}/api/messages", params={"to": to}, timeout=5)
        response.raise_for_status()
        return list(response.json())

    def wait_for(
        self, *, to: str, subject_contains: str = "", timeout: float = 20.0
    ) -> dict[str, Any]:
        """The newest message to ``to`` whose subject contains the text, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages_to(to):
                if subject_contains in message["subject"]:
                    return dict(message)
            time.sleep(0.2)
        raise AssertionError(f"no mail to {to} with {subject_contains!r} within {timeout}s")


def code_from_mail(message: dict[str, Any]) -> str:
    """The code a mail tells the person to paste in the app: the line after the prompt."""
    lines = [line.strip() for line in message["text"].splitlines()]
    for index, line in enumerate(lines[:-1]):
        if line.endswith(":") and ("code" in line.lower() or "código" in line.lower()):
            return lines[index + 1]
    raise AssertionError("no code in mail:\n" + message["text"])
