"""One settings module; every knob is an environment variable (see README "Configuration")."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("DEALBOOK_DATA_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEALBOOK_DEBUG", False)
SECRET_KEY = os.environ.get("DEALBOOK_SECRET_KEY") or "dev-insecure-change-me-" + str(DATA_DIR)
ALLOWED_HOSTS = [
    h for h in os.environ.get("DEALBOOK_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DEALBOOK_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "dealbook.core",
    "dealbook.accounts",
    "dealbook.catalog",
    "dealbook.crm",
    "dealbook.activities",
    "dealbook.documents",
    "dealbook.billing",
    "dealbook.sales",
    "dealbook.api",
    "dealbook.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dealbook.web.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dealbook.urls"
WSGI_APPLICATION = "dealbook.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]

# Database: SQLite under the data dir by default; DATABASE_URL switches to PostgreSQL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Persistent connections without Django's per-request "SELECT 1" health check (a fifth of a
    # list request's time, bench/ab_variants.py): a connection that broke fails one request, and
    # Django drops it at that request's end. DEALBOOK_DB_HEALTH_CHECKS=1 turns the check back on.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=600,
            conn_health_checks=os.environ.get("DEALBOOK_DB_HEALTH_CHECKS", "") == "1",
        )
    }
    # Parameters bound by the server, and a statement run a fifth time on a connection prepared:
    # PostgreSQL then plans it once per connection instead of on every run (planning took as long
    # as running the deal list's join; bench/RESULTS.md). DEALBOOK_DB_PREPARE=0 goes back to
    # client-side binding, for a transaction-pooling PgBouncer that cannot keep prepared statements.
    if os.environ.get("DEALBOOK_DB_PREPARE", "1") != "0":
        DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "dealbook.sqlite3"),
            "OPTIONS": {
                # WAL lets readers proceed while one writer commits; IMMEDIATE takes the write
                # lock at BEGIN so two writers never deadlock upgrading a read lock.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    " PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# Shared cache: the public pages' rate limits (sales/ratelimit.py) count across all workers and
# servers when REDIS_URL is set; without it each worker process counts on its own (locmem).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# API bearer tokens are remembered per worker for this many seconds (api/auth.py): a revoked token
# or deactivated user stops working within this bound in every process.
API_TOKEN_CACHE_SECONDS = float(os.environ.get("DEALBOOK_TOKEN_CACHE_SECONDS", "5"))

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
LOGIN_URL = "login"

LANGUAGE_CODE = os.environ.get("DEALBOOK_LANGUAGE", "en")
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DEALBOOK_TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
NODE_MODULES = Path(os.environ.get("DEALBOOK_NODE_MODULES", BASE_DIR.parent.parent / "node_modules"))
# front-end packages installed from npm at set-up (package.json), served as /static/vendor/...
STATICFILES_DIRS = [("vendor", str(NODE_MODULES))] if NODE_MODULES.is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = os.environ.get("DEALBOOK_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "outbox"
EMAIL_HOST = os.environ.get("DEALBOOK_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DEALBOOK_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DEALBOOK_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DEALBOOK_SMTP_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("DEALBOOK_SMTP_TLS", "") == "starttls"  # STARTTLS, usually port 587
EMAIL_USE_SSL = os.environ.get("DEALBOOK_SMTP_TLS", "") == "ssl"  # implicit TLS, usually port 465
EMAIL_TIMEOUT = int(os.environ.get("DEALBOOK_SMTP_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEALBOOK_FROM_EMAIL", "dealbook@localhost")
# the address clients reach this server at, for links in e-mails sent without a web request
DEALBOOK_PUBLIC_URL = os.environ.get("DEALBOOK_PUBLIC_URL", "")

# Business knobs
DEALBOOK_INTAKE_TASK_MINUTES = int(os.environ.get("DEALBOOK_INTAKE_TASK_MINUTES", "10"))  # T1, step 20
DEALBOOK_DEFAULT_CURRENCY = os.environ.get("DEALBOOK_DEFAULT_CURRENCY", "RUB")
DEALBOOK_API_MAX_PAGE = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DEALBOOK_LOG_LEVEL", "WARNING")},
}
