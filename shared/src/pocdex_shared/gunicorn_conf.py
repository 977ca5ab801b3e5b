"""Gunicorn configuration of every WSGI service (``--config python:pocdex_shared.gunicorn_conf``).

Idle connections: the gateway keeps connections to each service open and
reuses them (nginx ``keepalive`` with ``keepalive_timeout 60s`` locally, the
load balancer's 60 s idle timeout on AWS). If gunicorn closed an idle
connection first (its default is 2 s), a request the gateway had just sent on
it would be lost: the gateway does not retry a POST or PATCH, and answers 502
or 503. So gunicorn keeps idle connections longer than any proxy in front of it.
"""

from __future__ import annotations

from pocdex_shared.observability import gunicorn_child_exit
from pocdex_shared.tracing import gunicorn_post_fork

#: Seconds an idle client connection stays open; above the gateway's 60 s.
keepalive = 75

child_exit = gunicorn_child_exit
# Traces and error reports start in each worker, after the fork (ADR 0040).
post_fork = gunicorn_post_fork
