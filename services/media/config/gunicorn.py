"""Gunicorn hooks: clean Prometheus multiprocess files of exited workers."""

from pocdex_shared.observability import gunicorn_child_exit

child_exit = gunicorn_child_exit
