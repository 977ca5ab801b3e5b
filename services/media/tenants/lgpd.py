"""media's part of an organization's export and purge (ADR 0044): its schema and ``media/``."""

from __future__ import annotations

from pocdex_shared.lgpd import register_service_data


def register() -> None:
    register_service_data(file_prefixes=("media/",))
