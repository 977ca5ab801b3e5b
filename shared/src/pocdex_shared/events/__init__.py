"""Events between services: a transactional outbox and idempotent consumers on Celery.

Producers call ``publish`` inside the transaction that changes their data; the
row is relayed to the consuming services' queues after commit (and by a
periodic sweep if the process dies first): at-least-once delivery. Consumers
record every processed event id, so a duplicate is a no-op.
"""
