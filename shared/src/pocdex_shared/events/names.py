"""Task and queue names (import-safe before Django's app registry is ready)."""

HANDLE_TASK = "pocdex.events.handle"
RELAY_TASK = "pocdex.events.relay"


def queue_for(service: str) -> str:
    return f"{service}.events"


# Diagnostic: proves a message sent to a queue reaches a worker of that queue's
# service (pocdex_shared.events.diagnostics).
PING_TASK = "pocdex.ping"
