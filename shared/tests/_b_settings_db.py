"""``tests._b_settings_nodb`` plus the real PostgreSQL and Redis of the local stack.

For running the health and pagination tests against a real database without
the tenant apps; ``tests.settings`` remains the reference configuration. Its
own database name keeps it clear of concurrent runs of the full suite.
"""

import os

from tests._b_settings_nodb import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shared_tests_b",
        "HOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PORT": os.environ.get("PGPORT", "54329"),
        "USER": os.environ.get("PGUSER", "pocdex"),
        "PASSWORD": os.environ.get("PGPASSWORD", "pocdex"),
    }
}
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:63799/0")
