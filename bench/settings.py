"""Settings for the benchmark's gunicorn: production settings (DEBUG off), served over plain
http on 127.0.0.1, with the bench URLconf that adds the floor views under /__floor__/.

Only what plain http needs differs from production: no SSL redirect, no HSTS, cookies without
the Secure flag (the load generator talks http), and static files from the source folders (no
collectstatic; the pages under test never serve static files themselves).
"""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from config.settings import *  # noqa: E402,F403
from config.settings import STORAGES  # noqa: E402

ROOT_URLCONF = "bench.urls"
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SECURE_PROXY_SSL_HEADER = None
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# WhiteNoise warns at startup when STATIC_ROOT is missing; the finders serve the files anyway.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
