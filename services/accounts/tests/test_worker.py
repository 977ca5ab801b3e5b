"""The worker process knows every task the web process sends it."""

from __future__ import annotations

from pathlib import Path

from pocdex_shared.testing.celery import tasks_of_a_fresh_worker


def test_a_fresh_worker_process_registers_every_task_accounts_sends():
    tasks = tasks_of_a_fresh_worker(
        Path(__file__).resolve().parent.parent, settings_module="config.settings_test"
    )
    assert {"accounts.send_mail", "pocdex.events.handle", "pocdex.events.relay"} <= tasks
