"""Brazilian taxpayer numbers: CPF (people, 11 digits) and CNPJ (companies, 14), by check digits."""

from __future__ import annotations

import re

_NON_DIGITS = re.compile(r"\D")


def digits_only(value: str) -> str:
    return _NON_DIGITS.sub("", value or "")


def _check_digit(numbers: list[int], weights: list[int]) -> int:
    remainder = sum(n * w for n, w in zip(numbers, weights, strict=True)) % 11
    return 0 if remainder < 2 else 11 - remainder


def is_valid_cpf(value: str) -> bool:
    digits = digits_only(value)
    if len(digits) != 11 or len(set(digits)) == 1:
        return False
    numbers = [int(d) for d in digits]
    first = _check_digit(numbers[:9], list(range(10, 1, -1)))
    second = _check_digit([*numbers[:9], first], list(range(11, 1, -1)))
    return numbers[9:] == [first, second]


_CNPJ_FIRST = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
_CNPJ_SECOND = [6, *_CNPJ_FIRST]


def is_valid_cnpj(value: str) -> bool:
    digits = digits_only(value)
    if len(digits) != 14 or len(set(digits)) == 1:
        return False
    numbers = [int(d) for d in digits]
    first = _check_digit(numbers[:12], _CNPJ_FIRST)
    second = _check_digit([*numbers[:12], first], _CNPJ_SECOND)
    return numbers[12:] == [first, second]


def tax_id_kind(value: str) -> str | None:
    """``"cpf"`` or ``"cnpj"`` for a valid number (punctuation ignored), else ``None``."""
    if is_valid_cpf(value):
        return "cpf"
    if is_valid_cnpj(value):
        return "cnpj"
    return None
