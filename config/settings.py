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
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
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
    "loanlit.reports",
    # Platform (issue 12): REST API, webhooks and API keys; backup and restore; health, metrics, status.
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "loanlit.api",
    "loanlit.backups",
    "loanlit.ops",
    "loanlit.demo",
]
if TESTING:
    INSTALLED_APPS.append("tests.testapp")

MIDDLEWARE = [
    # First: a request id for the logs and the X-Request-ID header, and the request-latency metric.
    "loanlit.ops.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "loanlit.core.middleware.UploadLimitMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Login security (issue 10): inactivity timeout, forced password change, required two-factor.
    "loanlit.accounts.middleware.LoginSecurityMiddleware",
    # django-axes must be last: it answers a locked-out sign-in.
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
# django-axes first (lockout), then bank sign-on when configured (settings block "sso" below), then local accounts.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
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
SESSION_COOKIE_AGE = 8 * 3600
# HTTPS, HSTS, cookie flags and names, proxy header, opener policy: settings block "deploy" below.
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

# LOANLIT_LOG_FORMAT=json: one JSON object per line with the request id and the user (loanlit/ops/logs.py).
LOG_FORMAT = env_str("LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ConfigError(f"LOANLIT_LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "loanlit.ops.logs.RequestContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(user)s] %(message)s"},
        "json": {"()": "loanlit.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_context"]}
    },
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


# ---------------------------------------------------------------------------------------------------
# Security (issue 10). One block per area; each block is owned by one part of the code.

# --- block: accounts (roles, separation of duties, dormant accounts) ---
# 三员分立 (MLPS 2.0 level 3): a role holds codes of at most one duty (system / security / audit), nobody
# changes their own role or flags, and a superuser is the system administrator only (no security or
# audit codes). Turn off only where the regulator does not require it (a small firm, a demo).
SEPARATION_OF_DUTIES = env_bool("SEPARATION_OF_DUTIES", True)
# An account with no sign-in for more than this many days is dormant (0 = never); the daily task
# disables dormant accounts only when DORMANT_AUTO_DISABLE is on.
DORMANT_AFTER_DAYS = env_int("DORMANT_AFTER_DAYS", 90, minimum=0, maximum=3650)
DORMANT_AUTO_DISABLE = env_bool("DORMANT_AUTO_DISABLE", False)
# --- end block: accounts ---

# --- block: login (password policy, lockout, two-factor, inactivity, re-authentication, proxies) ---
# Reverse proxies whose X-Forwarded-For is believed (IPs or CIDRs); empty: the peer address is the client.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])


def _check_networks(values: list[str]) -> None:
    import ipaddress

    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ConfigError(f"LOANLIT_TRUSTED_PROXIES: {value!r} is not an IP address or network.") from None


_check_networks(TRUSTED_PROXIES)
# Password policy: length and three of four character classes (loanlit.accounts.passwords); optional
# periodic change (0 = never). Replaces the validator list above.
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 10, minimum=8, maximum=128)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 0, minimum=0, maximum=3650)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "loanlit.accounts.passwords.CharacterClassValidator"},
]
# Lockout (django-axes, database handler): LOGIN_FAILURE_LIMIT failures for one user name from any
# address lock that user name; LOGIN_IP_FAILURE_LIMIT failures from one address across user names lock
# the address (higher: a branch office signs in from behind one NAT address). Both for LOCKOUT_MINUTES.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=1000)
LOGIN_IP_FAILURE_LIMIT = env_int("LOGIN_IP_FAILURE_LIMIT", 20, minimum=1, maximum=100000)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1, maximum=100000)
AXES_ENABLED = True
AXES_HANDLER = "loanlit.accounts.lockout.LoanlitAxesHandler"  # axes' database handler, two limits
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # separately: the user name, the address
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_MINUTES / 60  # axes reads a number as hours
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lockout lasts LOCKOUT_MINUTES, not longer
AXES_CLIENT_IP_CALLABLE = "loanlit.core.net.client_ip"
# One lock per user name whatever its spelling (LDAP binds case-insensitively): NFKC, trimmed, case-folded.
AXES_USERNAME_CALLABLE = "loanlit.accounts.lockout.axes_username"
AXES_LOCKOUT_CALLABLE = "loanlit.accounts.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # the audit access log is the one home of sign-in history
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "csrfmiddlewaretoken"]  # masked in attempt rows
AXES_VERBOSE = False
# Sessions: signed out after SESSION_IDLE_MINUTES without a request; sensitive actions (exports,
# unmasking) need the password again when the last confirmation is older than REAUTH_MINUTES.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_MINUTES", 30, minimum=1, maximum=24 * 60) * 60
REAUTH_SECONDS = env_int("REAUTH_MINUTES", 10, minimum=1, maximum=24 * 60) * 60
# Two-factor sign-in (TOTP, django-otp): required for system and security administrators when true.
REQUIRE_2FA_FOR_ADMINS = env_bool("REQUIRE_2FA_FOR_ADMINS", False)
OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "Loanlit")
LOGIN_OTP_PENDING_SECONDS = 300  # the code step must follow the password step within five minutes
# --- end block: login ---

# --- block: sso (LDAP / Active Directory, OpenID Connect) ---
# Bank sign-on, off unless configured (docs/configuration.md, "Bank sign-on (LDAP / OIDC)"). Directory
# groups / token claims map to a role, a unit and creditors (loanlit.accounts.sso.mapping); local
# accounts remain for administrators.


def _group_map(name: str) -> tuple[tuple[str, str], ...]:
    from loanlit.accounts.sso.mapping import MapSyntaxError, parse_group_map  # pure: no Django

    try:
        return parse_group_map(env_str(name, ""))
    except MapSyntaxError as exc:
        raise ConfigError(f"LOANLIT_{name}: {exc} (entries 'GROUP => VALUE' separated by '|').") from None


SSO_GROUP_ROLES = _group_map("SSO_GROUP_ROLES")
SSO_GROUP_UNITS = _group_map("SSO_GROUP_UNITS")
SSO_GROUP_CREDITORS = _group_map("SSO_GROUP_CREDITORS")
SSO_DEFAULT_UNIT = env_str("SSO_DEFAULT_UNIT", "")
SSO_DEFAULT_CREDITORS = tuple(env_list("SSO_DEFAULT_CREDITORS", []))
SSO_ALLOW_ADMIN_ROLES = env_bool("SSO_ALLOW_ADMIN_ROLES", False)
_SSO_TIMEOUT = env_int("SSO_TIMEOUT", 10, minimum=1, maximum=120)


def _sso_backend_insert(path: str) -> None:
    # After django-axes (lockout applies to directory accounts too), before local accounts.
    _local = "django.contrib.auth.backends.ModelBackend"
    where = AUTHENTICATION_BACKENDS.index(_local) if _local in AUTHENTICATION_BACKENDS else 1
    AUTHENTICATION_BACKENDS.insert(where, path)


LDAP_SERVER_URI = env_str("LDAP_SERVER_URI", "")
LDAP_ENABLED = bool(LDAP_SERVER_URI)
LDAP_ATTRIBUTES = {
    "display_name": env_str("LDAP_ATTR_DISPLAY_NAME", "displayName"),
    "email": env_str("LDAP_ATTR_EMAIL", "mail"),
    "staff_no": env_str("LDAP_ATTR_STAFF_NO", "employeeID"),
}
if LDAP_ENABLED:
    import ldap
    from django_auth_ldap import config as _ldap_config

    if not LDAP_SERVER_URI.startswith(("ldap://", "ldaps://", "ldapi://")):
        raise ConfigError(
            f"LOANLIT_LDAP_SERVER_URI must start with ldap://, ldaps:// or ldapi://, not {LDAP_SERVER_URI!r}."
        )
    _ldap_group_types = {
        "active_directory": (_ldap_config.NestedActiveDirectoryGroupType, "(objectClass=group)"),
        "group_of_names": (_ldap_config.GroupOfNamesType, "(objectClass=groupOfNames)"),
        "group_of_unique_names": (_ldap_config.GroupOfUniqueNamesType, "(objectClass=groupOfUniqueNames)"),
        "posix": (_ldap_config.PosixGroupType, "(objectClass=posixGroup)"),
    }
    _ldap_group_type = env_str("LDAP_GROUP_TYPE", "active_directory")
    if _ldap_group_type not in _ldap_group_types:
        raise ConfigError(
            f"LOANLIT_LDAP_GROUP_TYPE must be one of {', '.join(_ldap_group_types)}, not {_ldap_group_type!r}."
        )
    AUTH_LDAP_SERVER_URI = LDAP_SERVER_URI
    AUTH_LDAP_BIND_DN = env_str("LDAP_BIND_DN", "")
    AUTH_LDAP_BIND_PASSWORD = env_secret("LDAP_BIND_PASSWORD")
    AUTH_LDAP_USER_SEARCH = _ldap_config.LDAPSearch(
        env_str("LDAP_USER_SEARCH_BASE", required=True),
        ldap.SCOPE_SUBTREE,
        env_str("LDAP_USER_FILTER", "(sAMAccountName=%(user)s)"),
    )
    AUTH_LDAP_GROUP_SEARCH = _ldap_config.LDAPSearch(
        env_str("LDAP_GROUP_SEARCH_BASE", required=True),
        ldap.SCOPE_SUBTREE,
        env_str("LDAP_GROUP_FILTER", _ldap_group_types[_ldap_group_type][1]),
    )
    AUTH_LDAP_GROUP_TYPE = _ldap_group_types[_ldap_group_type][0]()
    AUTH_LDAP_START_TLS = env_bool("LDAP_START_TLS", False)
    AUTH_LDAP_CONNECTION_OPTIONS: dict[int, object] = {
        ldap.OPT_NETWORK_TIMEOUT: _SSO_TIMEOUT,
        ldap.OPT_TIMEOUT: _SSO_TIMEOUT,
        ldap.OPT_REFERRALS: 0,  # Active Directory: do not chase referrals with the user's credentials
    }
    _ldap_ca = env_str("LDAP_CA_CERT_FILE", "")
    if _ldap_ca:
        AUTH_LDAP_CONNECTION_OPTIONS[ldap.OPT_X_TLS_CACERTFILE] = _ldap_ca
        AUTH_LDAP_CONNECTION_OPTIONS[ldap.OPT_X_TLS_NEWCTX] = 0
    # The account is created and re-synchronised by loanlit.accounts.sso.services, not by the library.
    AUTH_LDAP_ALWAYS_UPDATE_USER = False
    AUTH_LDAP_MIRROR_GROUPS = False
    AUTH_LDAP_FIND_GROUP_PERMS = False
    AUTH_LDAP_CACHE_TIMEOUT = 0
    _sso_backend_insert("loanlit.accounts.sso.ldap.LoanlitLDAPBackend")

OIDC_ISSUER = env_str("OIDC_ISSUER", "").rstrip("/")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_JWKS_ENDPOINT", "")
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_secret("OIDC_CLIENT_SECRET")
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid email profile")
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
OIDC_USERNAME_CLAIM = env_str("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_STAFF_NO_CLAIM = env_str("OIDC_STAFF_NO_CLAIM", "employee_id")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED:
    _oidc_explicit = (OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_TOKEN_ENDPOINT, OIDC_OP_JWKS_ENDPOINT)
    if not OIDC_ISSUER and not all(_oidc_explicit):
        raise ConfigError(
            "LOANLIT_OIDC_CLIENT_ID is set: also set LOANLIT_OIDC_ISSUER (discovery) or the endpoints "
            "LOANLIT_OIDC_AUTHORIZATION_ENDPOINT, LOANLIT_OIDC_TOKEN_ENDPOINT and LOANLIT_OIDC_JWKS_ENDPOINT."
        )
    if not OIDC_RP_CLIENT_SECRET:
        raise ConfigError(
            "LOANLIT_OIDC_CLIENT_SECRET (or LOANLIT_OIDC_CLIENT_SECRET_FILE) must be set with LOANLIT_OIDC_CLIENT_ID."
        )
    if OIDC_RP_SIGN_ALGO not in {"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "HS256"}:
        raise ConfigError(f"LOANLIT_OIDC_SIGN_ALGO must be a JWS algorithm such as RS256, not {OIDC_RP_SIGN_ALGO!r}.")
    _sso_backend_insert("loanlit.accounts.sso.oidc.LoanlitOIDCBackend")
elif OIDC_ISSUER or any((OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_TOKEN_ENDPOINT, OIDC_OP_JWKS_ENDPOINT)):
    raise ConfigError("LOANLIT_OIDC_CLIENT_ID must be set when an OpenID Connect issuer or endpoint is configured.")
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
OIDC_USE_PKCE = True
OIDC_TIMEOUT = _SSO_TIMEOUT
OIDC_CREATE_USER = True
OIDC_STORE_ID_TOKEN = False
# --- end block: sso ---

# --- block: crypto (cipher envelope algorithm, SM4/SM3) ---
# 国密 deployments: LOANLIT_CIPHER=sm4-gcm encrypts new personal data with SM4-GCM (the first key of
# LOANLIT_ENCRYPTION_KEY must then be 16 bytes) and, unless LOANLIT_HMAC_ALGORITHM says otherwise, keys
# the search indexes with HMAC-SM3. Envelopes name their algorithm, so AES and SM4 data read side by side.
ENCRYPTION_CIPHER = env_str("CIPHER", "aes-256-gcm").strip().lower()
HMAC_ALGORITHM = env_str("HMAC_ALGORITHM", "").strip().lower()
if ENCRYPTION_CIPHER == "sm4-gcm" and not env_secret("ENCRYPTION_KEY") and (TESTING or DEBUG or OFFLINE):
    import base64

    # Generated keys above are AES keys: put an SM4 key first, keep the AES key readable.
    if TESTING:
        _sm4_key = b"test-sm4-key-16b"
    elif DEBUG:
        _sm4_key = _dev_secret("sm4-encryption-key").encode()[:16]
    else:
        _sm4_key = secrets.token_bytes(16)
    ENCRYPTION_KEYS = "sm4dev:" + base64.b64encode(_sm4_key).decode() + "," + ENCRYPTION_KEYS
try:
    from loanlit.core.crypto import KeyConfigError, validate_key_settings

    validate_key_settings(
        encryption_keys=ENCRYPTION_KEYS, cipher=ENCRYPTION_CIPHER, hmac_key=HMAC_KEY, hmac_algorithm=HMAC_ALGORITHM
    )
except KeyConfigError as exc:  # a wrong key length or algorithm stops start-up, never the first save
    raise ConfigError(str(exc)) from None
# --- end block: crypto ---

# --- block: retention (audit retention and archive, anonymisation of archived cases) ---
# Audit and access logs are kept at least 6 months (Cybersecurity Law art. 21). 184 days is the longest
# span of 6 calendar months, so a cut at today - AUDIT_RETENTION_DAYS always keeps 6 whole months
# (loanlit/audit/retention.py checks both rules again for every cut).
AUDIT_RETENTION_MIN_DAYS = 184
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)
if AUDIT_RETENTION_DAYS < AUDIT_RETENTION_MIN_DAYS:
    raise ConfigError(
        f"LOANLIT_AUDIT_RETENTION_DAYS must be at least {AUDIT_RETENTION_MIN_DAYS}, not {AUDIT_RETENTION_DAYS}: "
        "audit and access logs are kept at least 6 months (Cybersecurity Law, article 21)."
    )
AUDIT_ARCHIVE_DIR = Path(env_str("AUDIT_ARCHIVE_DIR", str(VAR_DIR / "audit-archive"))).resolve()
if AUDIT_ARCHIVE_DIR.is_relative_to(Path(MEDIA_ROOT).resolve()):
    raise ConfigError(f"LOANLIT_AUDIT_ARCHIVE_DIR ({AUDIT_ARCHIVE_DIR}) must be outside LOANLIT_MEDIA_ROOT.")
AUDIT_AUTO_PRUNE = env_bool("AUDIT_AUTO_PRUNE", False)  # the daily task archives and prunes only when true
# Archived cases' personal data is anonymised (crypto-shredding per party) this many days after archiving,
# unless under a legal hold; 0 = never (loanlit/cases/services/retention.py).
CASE_ANONYMISE_AFTER_DAYS = env_int("CASE_ANONYMISE_AFTER_DAYS", 0, minimum=0)
# --- end block: retention ---

# --- block: deploy (HTTPS, HSTS, cookies, CSP, watermarks) ---
# HTTPS is on outside DEBUG/tests: plain HTTP redirects to HTTPS, HSTS pins the host to HTTPS, cookies are
# Secure. LOANLIT_HTTPS=false only for a plain-HTTP intranet test install (LOANLIT_SECURE_COOKIES=false, the
# older switch, still means the same). `manage.py check --deploy` is clean with the defaults
# (tests/test_deploy_check.py).
HTTPS = env_bool("HTTPS", not (DEBUG or TESTING) and env_bool("SECURE_COOKIES", True))
SECURE_SSL_REDIRECT = HTTPS
# Load balancers and Prometheus probe the app directly over plain HTTP on the internal network.
SECURE_REDIRECT_EXEMPT = [r"^(healthz|readyz|metrics)$"]
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000, minimum=0, maximum=2 * 31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading puts the domain on the browsers' built-in HTTPS list, which is slow to undo and pointless for
# an intranet name: off unless the bank asks for it (then also submit the domain to the preload list).
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # pages hand htmx the token in <meta name="csrf-token"> (static/js/app.js)
LANGUAGE_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
# "__Host-": browsers accept the cookie only if Secure, for this exact host and path "/" (no Domain), so a
# sibling host under the bank's domain cannot set or overwrite it.
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"
# X-Forwarded-Proto is believed only when the bank's reverse proxies are named (LOANLIT_TRUSTED_PROXIES,
# block "login"); then the app port must be reachable from those proxies only.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SILENCED_SYSTEM_CHECKS = [
    # security.W021 asks for HSTS preload, which is off on purpose (see SECURE_HSTS_PRELOAD above).
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
# Visible watermarks (user, staff no., time): tiled over every signed-in page, since pages show party names
# everywhere (/watermark.svg, static/css/app.css). Exports and PDF downloads are always stamped
# (loanlit/core/watermark.py).
WATERMARK_PAGES = env_bool("WATERMARK_PAGES", True)
# --- end block: deploy ---

# --- block: reports (statistics summary tables, scheduled report e-mails) ---
# Writes to a case refresh its statistics right after commit; bulk writes are caught by the scheduler's
# incremental refresh every STATS_REFRESH_MINUTES and a full rebuild each night.
STATS_REFRESH_ON_WRITE = env_bool("STATS_REFRESH_ON_WRITE", True)
STATS_REFRESH_MINUTES = env_int("STATS_REFRESH_MINUTES", 5, minimum=1, maximum=1440)
# --- end block: reports ---
# --- block: platform (issue 12: REST API, webhooks, drop folders, backups, health and metrics) ---
# Cache: the database (embedded default, shared by every process) or Redis when LOANLIT_REDIS_URL is set.
# The API's rate limits count in it. The database cache's table is created by a migration (loanlit.api).
CACHE_TABLE = "loanlit_cache"
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}}
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50, minimum=1, maximum=1000)
API_MAX_PAGE_SIZE = 500
# Requests per period for each API key (a key's own rate_limit overrides it) and for signed-in users.
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "600/min")
API_USER_RATE_LIMIT = env_str("API_USER_RATE_LIMIT", "1200/min")
for _api_rate_var, _api_rate in (
    ("LOANLIT_API_RATE_LIMIT", API_RATE_LIMIT),
    ("LOANLIT_API_USER_RATE_LIMIT", API_USER_RATE_LIMIT),
):
    _api_count, _api_slash, _api_period = _api_rate.partition("/")
    if (
        not _api_count.isdigit()
        or int(_api_count) < 1
        or _api_period not in {"s", "sec", "m", "min", "h", "hour", "d", "day"}
    ):
        raise ConfigError(f"{_api_rate_var} must look like 600/min (per s, min, hour or day), not {_api_rate!r}.")
API_KEY_DEFAULT_DAYS = env_int("API_KEY_DEFAULT_DAYS", 365, minimum=1, maximum=3650)
IDEMPOTENCY_KEEP_DAYS = env_int("IDEMPOTENCY_KEEP_DAYS", 30, minimum=1, maximum=3650)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so an anonymous request gets 401 with WWW-Authenticate rather than 403.
        "loanlit.api.authentication.ApiKeyAuthentication",
        "loanlit.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "loanlit.api.permissions.RequiresCode",
    ],
    "DEFAULT_PAGINATION_CLASS": "loanlit.api.pagination.CursorPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["loanlit.api.throttling.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": API_RATE_LIMIT, "api_user": API_USER_RATE_LIMIT},
    "EXCEPTION_HANDLER": "loanlit.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Loanlit API",
    "DESCRIPTION": "Loan litigation management: cases, proceedings, money and documents for other systems.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No call to validator.swagger.io (intranet: no internet, and the CSP would block it anyway).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    # Choice sets that share a field name get names of their own (otherwise "Kind85cEnum" …).
    "ENUM_NAME_OVERRIDES": {
        "ProceedingKindEnum": "loanlit.cases.models.Proceeding.Kind",
        "HearingKindEnum": "loanlit.cases.models.Hearing.Kind",
        "JudgmentKindEnum": "loanlit.cases.models.Judgment.Kind",
        "JudgmentItemKindEnum": "loanlit.cases.models.JudgmentItem.Kind",
        "CostKindEnum": "loanlit.cases.models.CostEntry.Kind",
        "RecoverySourceEnum": "loanlit.cases.models.Recovery.Source",
        "DocumentSourceEnum": "loanlit.documents.models.Document.Source",
        "ImportStatusEnum": "loanlit.imports.models.ImportBatch.Status",
        "CurrencyEnum": "loanlit.core.money.CURRENCY_CHOICES",
    },
}
# Outgoing webhooks (loanlit/api/webhooks): timeout per attempt, attempts before giving up (backoff doubles
# from WEBHOOK_RETRY_SECONDS: 1 min, 2, 4 … capped at 6 hours), how long delivery rows are kept.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1, maximum=120)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1, maximum=30)
WEBHOOK_RETRY_SECONDS = env_int("WEBHOOK_RETRY_SECONDS", 60, minimum=1, maximum=86400)
WEBHOOK_KEEP_DAYS = env_int("WEBHOOK_KEEP_DAYS", 90, minimum=1, maximum=3650)
# Loopback receivers (127.0.0.1, localhost) only for tests and a receiver on the same machine; link-local,
# unspecified, multicast and reserved addresses are always refused (loanlit/api/webhooks/services.py).
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", TESTING)
# Drop folders (loanlit/imports/dropfolders.py): every folder configured in the app lives under this root.
DROP_ROOT = Path(env_str("DROP_ROOT", str(VAR_DIR / "drop"))).resolve()
DROP_SCAN_SECONDS = env_int("DROP_SCAN_SECONDS", 60, minimum=5, maximum=86400)
# Backups (loanlit/backups): archives go to BACKUP_DIR, outside the data directory; LOANLIT_BACKUP_KEY
# ("kid:base64 of 32 bytes") encrypts them (AES-256-GCM); scheduled backups keep N daily, M weekly, K monthly.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups"))).resolve()
if BACKUP_DIR.is_relative_to(Path(MEDIA_ROOT).resolve()):
    raise ConfigError(f"LOANLIT_BACKUP_DIR ({BACKUP_DIR}) must be outside LOANLIT_MEDIA_ROOT.")
BACKUP_KEY = env_secret("BACKUP_KEY")
BACKUP_SCHEDULE = env_bool("BACKUP_SCHEDULE", not TESTING)
BACKUP_HOUR = env_int("BACKUP_HOUR", 2, minimum=0, maximum=23)
BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 7, minimum=0, maximum=365)
BACKUP_KEEP_WEEKLY = env_int("BACKUP_KEEP_WEEKLY", 4, minimum=0, maximum=520)
BACKUP_KEEP_MONTHLY = env_int("BACKUP_KEEP_MONTHLY", 12, minimum=0, maximum=1200)
# Operations (loanlit/ops): Prometheus metrics at /metrics; with LOANLIT_METRICS_TOKEN set, the scraper
# must send it as a bearer token. Under gunicorn, PROMETHEUS_MULTIPROC_DIR (set by scripts/serve.sh) makes
# the request metrics multi-process safe. A worker whose heartbeat is older than this fails /readyz.
METRICS_TOKEN = env_secret("METRICS_TOKEN")
WORKER_HEARTBEAT_MAX_SECONDS = env_int("WORKER_HEARTBEAT_MAX_SECONDS", 300, minimum=10, maximum=86400)
# --- end block: platform ---
