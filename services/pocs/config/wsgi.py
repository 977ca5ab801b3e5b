import os

from django.core.wsgi import get_wsgi_application

from pocdex_shared import tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
tracing.setup()  # before the handler loads the middleware (ADR 0040)
application = get_wsgi_application()
