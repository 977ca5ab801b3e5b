"""Transactional mail in the recipient's language, as text and HTML."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def _language(locale: str) -> str:
    return "pt-br" if locale.lower().startswith("pt") else "en"


def send_templated_mail(*, to: str, template: str, locale: str, context: dict[str, Any]) -> None:
    """Render ``email/<template>.{subject.txt,txt,html}`` in ``locale`` and send it."""
    with translation.override(_language(locale)):
        ctx = {"app_link_base": settings.APP_LINK_BASE, **context}
        subject = render_to_string(f"email/{template}.subject.txt", ctx).strip()
        text = render_to_string(f"email/{template}.txt", ctx)
        html = render_to_string(f"email/{template}.html", ctx)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()
