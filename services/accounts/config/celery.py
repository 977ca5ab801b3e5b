import os

from pocdex_shared.events.celery import create_app

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = create_app("accounts")
app.autodiscover_tasks()
# Overdue subscriptions whose grace period ended fall back to Free (billing).
app.conf.beat_schedule["billing-enforce-grace"] = {
    "task": "accounts.billing_enforce_grace",
    "schedule": 3600.0,
}
