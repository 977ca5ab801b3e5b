"""A refusal from a service, told on a console page instead of an API answer."""

from __future__ import annotations

from rest_framework.exceptions import APIException, ValidationError

from pocdex_shared.errors import ApiError


def refusal_text(error: APIException) -> str:
    """The human message of a service's refusal (``ApiError``, a field error, a throttle)."""
    if isinstance(error, ApiError):
        return str(error.message)
    if isinstance(error, ValidationError):
        messages = _flatten(error.detail)
        return " ".join(messages) if messages else str(error)
    return str(error.detail)


def refusal_code(error: APIException) -> str:
    if isinstance(error, ApiError):
        return error.code
    codes = error.get_codes()
    while isinstance(codes, dict | list) and codes:
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes) if isinstance(codes, str) else "invalid"


def _flatten(detail: object) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]
