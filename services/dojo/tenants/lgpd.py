"""dojo's part of an organization's export and purge (ADR 0044): its schema only."""

from __future__ import annotations

from pocdex_shared.lgpd import register_service_data


def register() -> None:
    register_service_data()
