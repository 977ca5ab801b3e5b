"""The worker process knows every task the web process sends it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_a_fresh_worker_process_registers_every_task_accounts_sends():
    # A fresh interpreter, like `celery -A config worker`: nothing imported by tests helps.
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings_test');"
        "django.setup();"
        "from config.celery import app; app.loader.import_default_modules();"
        "print(sorted(n for n in app.tasks if not n.startswith('celery.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    names = result.stdout.strip()
    for task in ("accounts.send_mail", "pocdex.events.handle", "pocdex.events.relay"):
        assert f"'{task}'" in names, names
