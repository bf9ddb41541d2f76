"""Django settings for Loanlit, read from LOANLIT_* environment variables (docs/configuration.md)."""

from __future__ import annotations

import secrets
import sys
import zoneinfo
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import ConfigError, env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
# The team's shared folder beside the repository (legal-rule vectors, public real input data).
SHARED_DIR = env_str("SHARED_DIR", "")  # empty: ../shared beside the repository

TESTING = "pytest" in sys.modules or env_bool("TESTING", False)
DEBUG = env_bool("DEBUG", False)
# Commands that only read the code (no request is served, nothing is signed, encrypted or stored)
# run without secrets, so `manage.py makemigrations --check` works on a bare checkout.
OFFLINE_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}
OFFLINE = len(sys.argv) > 1 and sys.argv[0].endswith("manage.py") and sys.argv[1] in OFFLINE_COMMANDS


def _dev_secret(name: str) -> str:
    """A per-checkout secret for development, generated once under var/ and reused afterwards."""
    VAR_DIR.mkdir(exist_ok=True)
    path = VAR_DIR / f"dev-{name}.txt"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if TESTING:
        SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdef"  # noqa: S105 (tests only)
    elif DEBUG:
        SECRET_KEY = _dev_secret("secret-key")
    elif OFFLINE:
        SECRET_KEY = secrets.token_urlsafe(48)  # throw-away: offline commands sign nothing
    else:
        raise ConfigError("LOANLIT_SECRET_KEY (or LOANLIT_SECRET_KEY_FILE) must be set unless LOANLIT_DEBUG=true.")

# Keys for personal data (DESIGN rule 4). Format: "kid:base64key[,kid:base64key…]"; the first key
# encrypts, all of them decrypt, so a key can be rotated without re-encrypting first.
ENCRYPTION_KEYS = env_secret("ENCRYPTION_KEY")
HMAC_KEY = env_secret("HMAC_KEY")
if not ENCRYPTION_KEYS or not HMAC_KEY:
    if TESTING:
        ENCRYPTION_KEYS = ENCRYPTION_KEYS or "test1:" + "dGVzdC1rZXktMzItYnl0ZXMtZm9yLWFlcy1nY20hISE="
        HMAC_KEY = HMAC_KEY or "test-hmac-key-for-personal-data-search-0123456789"
    elif DEBUG:
        import base64

        if not ENCRYPTION_KEYS:
            raw = _dev_secret("encryption-key")
            ENCRYPTION_KEYS = "dev1:" + base64.b64encode(raw.encode()[:32]).decode()
        HMAC_KEY = HMAC_KEY or _dev_secret("hmac-key")
    elif OFFLINE:
        import base64

        ENCRYPTION_KEYS = ENCRYPTION_KEYS or "offline:" + base64.b64encode(secrets.token_bytes(32)).decode()
        HMAC_KEY = HMAC_KEY or secrets.token_urlsafe(48)
    else:
        raise ConfigError(
            "LOANLIT_ENCRYPTION_KEY and LOANLIT_HMAC_KEY (or their _FILE forms) must be set unless LOANLIT_DEBUG=true."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if (DEBUG or TESTING) else [])
if TESTING:
    ALLOWED_HOSTS = ["*"]
PORT = env_int("PORT", 8000, minimum=1, maximum=65535)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "loanlit.core",
    "loanlit.audit",
    "loanlit.jobs",
    "loanlit.notifications",
    "loanlit.accounts",
    "loanlit.rules",
    "loanlit.parties",
    "loanlit.loans",
    "loanlit.cases",
    "loanlit.deadlines",
    "loanlit.documents",
    "loanlit.enforcement",
    "loanlit.docgen",
    "loanlit.batches",
    "loanlit.workflow",
    "loanlit.collaboration",
    "loanlit.imports",
    "loanlit.demo",
]
if TESTING:
    INSTALLED_APPS.append("tests.testapp")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "loanlit.core.middleware.UploadLimitMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "loanlit.core.context_processors.site",
                "loanlit.notifications.context_processors.notifications",
            ],
        },
    }
]

# Database: SQLite under var/ by default; PostgreSQL (production) or MySQL/MariaDB by URL.
VAR_DIR.mkdir(exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'loanlit.sqlite3'}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0 if TESTING else 60)
except Exception as exc:  # dj_database_url raises several types for a malformed URL
    raise ConfigError(f"LOANLIT_DATABASE_URL is not a database URL this product understands: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so two writers
    # queue on the busy timeout instead of failing mid-transaction (DESIGN rule 8).
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    _db["CONN_MAX_AGE"] = 0
elif _db["ENGINE"] == "django.db.backends.mysql":
    import pymysql  # type: ignore[import-untyped]

    pymysql.version_info = (2, 2, 1, "final", 0)
    pymysql.install_as_MySQLdb()
    _db["OPTIONS"] = {"charset": "utf8mb4", "init_command": "SET sql_mode='STRICT_TRANS_TABLES'"}
if TESTING and _db["ENGINE"] != "django.db.backends.sqlite3":
    _db["TEST"] = {"NAME": _db["NAME"]}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ADMIN_PASSWORD = env_secret("ADMIN_PASSWORD")

# Language and time: zh-Hans first, English as the switch; dates in Asia/Shanghai.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans").lower()
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ConfigError(f"LOANLIT_LANGUAGE_CODE must be one of zh-hans, en, not {LANGUAGE_CODE!r}.")
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ConfigError(f"LOANLIT_TIME_ZONE {TIME_ZONE!r} is not a known time zone (e.g. Asia/Shanghai).") from None
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Upload limits: a larger request is refused with a translated page, never a 500.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_MB", 200, minimum=1, maximum=10_000) * 1024 * 1024
# Document previews: seconds one LibreOffice conversion (.docx/.xlsx → PDF) may take before it is killed.
PREVIEW_TIMEOUT_SECONDS = env_int("PREVIEW_TIMEOUT", 60, minimum=5, maximum=3600)
# Document approval policy: moving a case to "filed" needs an approved complaint (起诉状) when true.
DOCUMENTS_REQUIRE_APPROVED_COMPLAINT = env_bool("DOCUMENTS_REQUIRE_APPROVED_COMPLAINT", False)

# Security headers. CSP: no inline script anywhere; htmx runs with eval off (DESIGN §4).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SECURE = not (DEBUG or TESTING) and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Jobs: in-process worker by default; Celery on Redis carries "run job N" when LOANLIT_REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL and urlparse(REDIS_URL).scheme not in {"redis", "rediss"}:
    raise ConfigError(f"LOANLIT_REDIS_URL must start with redis:// or rediss://, not {REDIS_URL!r}.")
JOB_TRANSPORT = "celery" if REDIS_URL else "worker"
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 120, minimum=10, maximum=86400)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3, minimum=1, maximum=20)
JOB_ERRORS_CAP = 1000
JOB_SCHEDULER_LEASE_SECONDS = 60
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE

# E-mail: LOANLIT_EMAIL_URL = smtp://user:pass@host:587?tls=1 | smtps://user:pass@host:465 | console:// .
EMAIL_URL = env_str("EMAIL_URL", "")
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
if TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
elif EMAIL_URL:
    _mail = urlparse(EMAIL_URL)
    if _mail.scheme == "console":
        pass
    elif _mail.scheme in {"smtp", "smtps"}:
        from urllib.parse import parse_qs, unquote

        _query = {k: v[-1] for k, v in parse_qs(_mail.query).items()}
        EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        EMAIL_HOST = _mail.hostname or ""
        EMAIL_PORT = _mail.port or (465 if _mail.scheme == "smtps" else 25)
        EMAIL_HOST_USER = unquote(_mail.username or "")
        EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
        EMAIL_USE_SSL = _mail.scheme == "smtps" or _query.get("ssl") == "1"
        EMAIL_USE_TLS = not EMAIL_USE_SSL and _query.get("tls") == "1"
        EMAIL_TIMEOUT = 10
        if not EMAIL_HOST:
            raise ConfigError("LOANLIT_EMAIL_URL needs a host, e.g. smtp://user:pass@mail.bank.example:587?tls=1.")
    else:
        raise ConfigError(f"LOANLIT_EMAIL_URL must start with smtp://, smtps:// or console://, not {EMAIL_URL!r}.")
DEFAULT_FROM_EMAIL = env_str("EMAIL_FROM", "loanlit@localhost")
# Absolute links in e-mails, robot messages and calendar feeds (e.g. https://loanlit.bank.example).
SITE_URL = env_str("SITE_URL", "").rstrip("/")
ROBOT_TIMEOUT_SECONDS = env_int("ROBOT_TIMEOUT_SECONDS", 5, minimum=1, maximum=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
}

# UI
# An oversized upload gets the translated 413 page (loanlit.core.middleware); the size handler runs
# before Django's own so a file part is cut off at MAX_UPLOAD_BYTES.
FILE_UPLOAD_HANDLERS = [
    "loanlit.core.middleware.FileSizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
CSRF_FAILURE_VIEW = "loanlit.core.views.csrf_failure"
