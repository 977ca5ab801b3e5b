import os

from pocdex_shared.events.celery import create_app

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = create_app("media")
app.autodiscover_tasks()
