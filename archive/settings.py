"""Settings for the ASEAN–ROK Archive, read from the environment with safe defaults."""

import os
import re
import secrets
import socket
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.getenv("ARCHIVE_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default="False"):
    value = os.getenv(name, default)
    if value not in ("True", "False"):
        raise ImproperlyConfigured(f"{name} must be True or False, got {value!r}")
    return value == "True"


def env_rate(name, default):
    """A rate limit from the environment: requests per second, minute, hour or day ("60/m"), or "off"."""
    value = os.getenv(name, default)
    if value == "off":
        return None
    if not re.fullmatch(r"\d+/\d*[smhd]", value):
        raise ImproperlyConfigured(f"{name} must be a rate like 60/m, or off, got {value!r}")
    return value


def load_or_create_secret(path):
    """Keep one random key per data folder, so sessions survive a restart."""
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", "False")
SECRET_KEY = os.getenv("SECRET_KEY") or load_or_create_secret(DATA_DIR / "secret_key")
ALLOWED_HOSTS = os.getenv("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

# Served over HTTPS (behind a proxy that sets X-Forwarded-Proto): secure cookies, HSTS, and plain
# HTTP redirected. `manage.py check --deploy` is clean with HTTPS=True.
HTTPS = env_bool("HTTPS", "False")
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS]
    SECURE_HSTS_SECONDS = int(os.getenv("SECURE_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "haystack",
    "csp",
    "axes",
    "archive",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "archive.middleware.PrintableParametersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

# Scripts, styles and everything else only from this site's own files: no inline script or style
# (the pages have none, and neither has Django's admin), no plugins, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # the admin's icons are data: URLs in its style sheets
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Security headers sent by Django's SecurityMiddleware (and XFrameOptionsMiddleware).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

ROOT_URLCONF = "archive.urls"
WSGI_APPLICATION = "archive.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'archive.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers write at once: wait for the lock instead of failing, and let readers
    # read while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every gunicorn worker on the machine: the rate-limit counts live here. Its increments are not
# atomic, so a burst can let a few requests past a limit; that is why django_ratelimit (whose check asks
# for memcached or Redis) is not in INSTALLED_APPS.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": DATA_DIR / "cache"},
    # Rendered pages, per process, under the archive's revision (archive/pages.py); see the README on sizing.
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "archive-pages",
              "TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": int(os.getenv("ARCHIVE_PAGE_CACHE_ENTRIES", "300"))}},
}

# Requests per client address: every form of search (page, JSON, CSV, Atom feed) counts against one
# limit; CSV exports also against their own; admin login attempts against a third.
ARCHIVE_RATELIMIT_SEARCH = env_rate("ARCHIVE_RATELIMIT_SEARCH", "60/m")
ARCHIVE_RATELIMIT_EXPORT = env_rate("ARCHIVE_RATELIMIT_EXPORT", "10/m")
ARCHIVE_RATELIMIT_LOGIN = env_rate("ARCHIVE_RATELIMIT_LOGIN", "10/m")
# Behind a reverse proxy, the request header (as a META key) that holds the client's address alone.
ARCHIVE_CLIENT_IP_HEADER = os.getenv("ARCHIVE_CLIENT_IP_HEADER", "REMOTE_ADDR")
RATELIMIT_VIEW = "archive.ratelimits.too_many_requests"

# django-axes: after AXES_FAILURE_LIMIT failed logins for one user name from one address, logging in
# is refused from there for AXES_COOLOFF_TIME (a success resets the count).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.getenv("ARCHIVE_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.getenv("ARCHIVE_LOGIN_LOCKOUT_MINUTES", 60)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "429.html"
AXES_CLIENT_IP_CALLABLE = "archive.ratelimits.client_ip"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves straight from the source folders, so there is no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

FIXTURE_DIRS = [BASE_DIR / "fixtures"]
SEEDS_DIR = BASE_DIR / "seeds"

HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "archive.search.engine.backend.Engine",
        "PATH": str(DATA_DIR / "whoosh_index"),
        # Frequent words whose neighbours are also indexed as pairs, so phrases of them are quick to find.
        "COMMON_WORDS": BASE_DIR / "archive" / "search" / "words" / "common.txt",
        "PAIRED_WITH_ANY_WORD": BASE_DIR / "archive" / "search" / "words" / "paired_with_any.txt",
        # Index errors must surface: every write goes through archive.search.indexing.
        "SILENTLY_FAIL": False,
        # The most each worker process keeps of what it read from the index (term bitmaps, postings, lengths).
        # 128 MB holds twice what 500 varied searches read at 200,000 paragraphs (README: "Sizing workers and
        # memory"); a smaller index never fills it.
        "CACHE_MB": float(os.getenv("ARCHIVE_SEARCH_CACHE_MB", 128)),
    },
}
# The queue in archive.search.indexing replaces haystack's realtime signal processor.
HAYSTACK_SIGNAL_PROCESSOR = "archive.search.indexing.QueuedSignalProcessor"
# One model is indexed, so the per-query model filter only costs time.
HAYSTACK_LIMIT_TO_REGISTERED_MODELS = False

# Several app servers may share one database (DATABASE_URL), each with its own index in its own ARCHIVE_DATA_DIR
# that follows the database's index change log. A server is known by this name (its position in the log,
# shown by check_index); the default is unique per host and data folder.
ARCHIVE_NODE_NAME = (os.getenv("ARCHIVE_NODE_NAME") or f"{socket.gethostname()}:{DATA_DIR}")[-200:]
# Log entries older than this, that every live server has applied, are deleted; a server not seen for as long
# rebuilds its index when it returns.
ARCHIVE_INDEX_LOG_DAYS = float(os.getenv("ARCHIVE_INDEX_LOG_DAYS", 7))

# Uploads and imports larger than this are refused.
ARCHIVE_MAX_UPLOAD_BYTES = int(os.getenv("ARCHIVE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = ARCHIVE_MAX_UPLOAD_BYTES + 1024 * 1024

# Memory for sorting postings, per indexing process of a full rebuild (there is one per core, up to
# two). What does not fit is sorted through temporary files, which makes the rebuild much slower.
ARCHIVE_INDEX_BUILD_MB = int(os.getenv("ARCHIVE_INDEX_BUILD_MB", 768))

# The time one search may spend reading the index; then it answers with what it found, and says so.
ARCHIVE_SEARCH_SECONDS = float(os.getenv("ARCHIVE_SEARCH_SECONDS", 1))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}
