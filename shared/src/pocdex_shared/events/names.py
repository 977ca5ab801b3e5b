"""Task and queue names (import-safe before Django's app registry is ready)."""

HANDLE_TASK = "pocdex.events.handle"
RELAY_TASK = "pocdex.events.relay"


def queue_for(service: str) -> str:
    return f"{service}.events"
