"""guomen settings: everything that varies comes from the environment (see README, "Configuration")."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from guomen.lib.env import Env
from guomen.lib.secrets import local_secret

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()

ENVIRONMENT = env.choice("GUOMEN_ENV", "development", ("development", "production", "test"))
PRODUCTION = ENVIRONMENT == "production"
VAR_DIR = Path(env.str("GUOMEN_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

DEBUG = env.bool("GUOMEN_DEBUG", default=not PRODUCTION)


def _secret(name: str, filename: str, kind: str = "token") -> str:
    value = env.str(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) is required when GUOMEN_ENV=production")
    return local_secret(VAR_DIR / filename, kind=kind)


SECRET_KEY = _secret("GUOMEN_SECRET_KEY", "secret_key")
# Personal identifiers: Fernet keys, newest first (comma separated); older keys still decrypt,
# `manage.py rotate_identity_keys` re-encrypts everything under the first.
FIELD_ENCRYPTION_KEYS = [k.strip() for k in _secret("GUOMEN_FIELD_KEYS", "field_key", "fernet").split(",") if k.strip()]
# Key for the keyed hash (HMAC-SHA256) that finds a document number without decrypting.
IDENTIFIER_HASH_KEY = _secret("GUOMEN_HASH_KEY", "hash_key")
# Exchange with neighbouring authorities: this instance's authority code (its name in signed
# messages) and the Fernet keys (newest first) that encrypt its Ed25519 signing keys at rest.
EXCHANGE_AUTHORITY = env.str("GUOMEN_EXCHANGE_AUTHORITY", "cn-yunnan") or "cn-yunnan"
EXCHANGE_KEY_ENCRYPTION_KEYS = [k.strip() for k in _secret("GUOMEN_EXCHANGE_KEYS", "exchange_key", "fernet").split(",") if k.strip()]
# Messages whose signing time is further than this from our clock are refused (seconds).
EXCHANGE_WINDOW_SECONDS = env.int("GUOMEN_EXCHANGE_WINDOW_SECONDS", 600, minimum=30)
# Field work without a network: how old a time of something done offline may be when it arrives
# (older is refused with a reason), and how far ahead of the server's clock a device may run.
GUOMEN_FIELD_WINDOW_HOURS = env.int("GUOMEN_FIELD_WINDOW_HOURS", 72, minimum=1)
GUOMEN_FIELD_SKEW_MINUTES = env.int("GUOMEN_FIELD_SKEW_MINUTES", 10, minimum=0)
# How far from the clock a declared arrival (a manifest row, a declaration) may be expected:
# a time further in the past or ahead is refused with its reason.
GUOMEN_EXPECTED_PAST_DAYS = env.int("GUOMEN_EXPECTED_PAST_DAYS", 30, minimum=0)
GUOMEN_EXPECTED_AHEAD_DAYS = env.int("GUOMEN_EXPECTED_AHEAD_DAYS", 365, minimum=1)
# A manifest file larger than this (bytes; about 5,000 rows) is imported in the background by the
# worker, with a progress bar; a smaller one at once.
GUOMEN_MANIFEST_BACKGROUND_BYTES = env.int("GUOMEN_MANIFEST_BACKGROUND_BYTES", 512 * 1024, minimum=0)
# Worker processes that check a manifest batch's rows and seal their documents (0 or 1: none, the
# importing process does it). Worth it where cores are free: each takes one.
GUOMEN_MANIFEST_PROCESSES = env.int("GUOMEN_MANIFEST_PROCESSES", 0, minimum=0)
# On PostgreSQL, a manifest batch is written by a second connection in a thread while the next
# batch is checked (``loop.manifest.writer_thread``).
GUOMEN_MANIFEST_WRITER_THREAD = env.bool("GUOMEN_MANIFEST_WRITER_THREAD", True)

ALLOWED_HOSTS = env.list("GUOMEN_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("GUOMEN_ALLOWED_HOSTS is required when GUOMEN_ENV=production (comma separated host names)")
CSRF_TRUSTED_ORIGINS = env.list("GUOMEN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "guomen.shell",  # first: its templates (login, base) override the admin's
    "guomen.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "axes",  # sign-in throttling: failed attempts per account and per address, in the database
    "django_otp",  # two-factor sign-in: TOTP devices and recovery codes
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "auditlog",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "guomen.places",
    "guomen.org",
    "guomen.alerts",
    "guomen.people",
    "guomen.loop",
    "guomen.duty",
    "guomen.command",
    "guomen.emergency",
    "guomen.public",
    "guomen.exchange",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the second factor given this session
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "guomen.core.idempotency.IdempotencyMiddleware",
    "guomen.shell.twofactor.TwoFactorMiddleware",  # roles that need a second factor reach nothing else first
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires: turns a lockout into its page
]

ROOT_URLCONF = "guomen.urls"
WSGI_APPLICATION = "guomen.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "guomen.shell.context.navigation",
            ],
            "builtins": ["django.templatetags.i18n", "django.templatetags.static", "template_partials.templatetags.partials"],
        },
    },
    {
        # Fragments rendered on every request of a busy page (the dashboard's figures): each app's
        # jinja2/ folder. Everything else is Django's.
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "guomen.lib.jinja.environment"},
    },
]

# --- database ---------------------------------------------------------------
_default_sqlite = f"sqlite:///{VAR_DIR / 'guomen.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(env.str("DATABASE_URL", _default_sqlite) or _default_sqlite)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL this build understands: {exc}") from exc
_SQLITE_SYNC = env.choice("GUOMEN_SQLITE_SYNCHRONOUS", "NORMAL", ("NORMAL", "FULL"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue on busy_timeout instead of failing with "database is locked".
        # synchronous=NORMAL (default) in WAL mode never corrupts the file, but a power cut may lose
        # the last transactions committed before it; FULL (GUOMEN_SQLITE_SYNCHRONOUS=FULL) syncs every
        # commit to disk, so nothing acknowledged is lost, at the cost of one fsync per write.
        "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={_SQLITE_SYNC}; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    if env.bool("GUOMEN_DB_POOL", default=False):
        DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": 1, "max_size": env.int("GUOMEN_DB_POOL_SIZE", 8, minimum=1)}
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("GUOMEN_DB_CONN_MAX_AGE", 60, minimum=0)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming replica for dashboards, lists, exports and trends (guomen/core/replica.py): reads
# there while it is within GUOMEN_REPLICA_MAX_LAG seconds of the primary; every write, and a user's
# reads for GUOMEN_REPLICA_PIN_SECONDS after their own write, on the primary.
_replica_url = env.str("DATABASE_REPLICA_URL")
if _replica_url:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL to name a PostgreSQL primary")
    try:
        DATABASES["replica"] = dj_database_url.parse(_replica_url)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is not a database URL this build understands: {exc}") from exc
    DATABASES["replica"].update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True, TEST={"MIRROR": "default"})
    DATABASE_ROUTERS = ["guomen.core.replica.ReplicaRouter"]
    GUOMEN_REPLICA_MAX_LAG = env.int("GUOMEN_REPLICA_MAX_LAG", 5, minimum=0)
    GUOMEN_REPLICA_PIN_SECONDS = env.int("GUOMEN_REPLICA_PIN_SECONDS", 10, minimum=1)
    MIDDLEWARE.insert(MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "guomen.core.replica.PrimaryPinMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- shared cache: counts limits across every worker process ----------------------------------
# The database cache by default (`manage.py migrate` creates its table); Redis when
# GUOMEN_CACHE_URL (or REDIS_URL) names one, e.g. redis://127.0.0.1:6379/0 (needs the redis package).
_cache_url = env.str("GUOMEN_CACHE_URL") or env.str("REDIS_URL")
if _cache_url:
    if not _cache_url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("GUOMEN_CACHE_URL must be a redis://, rediss:// or unix:// URL")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "guomen_cache",
            # Culling would forget limit counters: keep far more entries than addresses seen in an hour.
            "OPTIONS": {"MAX_ENTRIES": 200_000, "CULL_FREQUENCY": 4},
        }
    }

# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma separated).
# Without it every limit keys on the connecting address, which behind a proxy is the proxy's.
GUOMEN_TRUSTED_PROXIES = env.list("GUOMEN_TRUSTED_PROXIES", [])
for _proxy in GUOMEN_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"GUOMEN_TRUSTED_PROXIES: {_proxy!r} is not an address or network") from exc

# --- background work (Django's Tasks API, database-backed queue) -------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if ENVIRONMENT == "test":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- auth -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out account or address
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling (django-axes, database handler: every worker sees the same failures). An
# account or an address is locked after AXES_FAILURE_LIMIT failures in a row, until the lock
# expires or an administrator lifts it (admin "Access attempts", or `manage.py signin_unlock`).
AXES_HANDLER = "guomen.core.signin.SignInHandler"  # axes' database handler, one limit per parameter
AXES_FAILURE_LIMIT = env.int("GUOMEN_SIGNIN_FAILURES", 10, minimum=1)  # per account
GUOMEN_SIGNIN_FAILURES_PER_ADDRESS = env.int("GUOMEN_SIGNIN_FAILURES_PER_ADDRESS", 50, minimum=1)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching its limit locks
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("GUOMEN_SIGNIN_LOCK_MINUTES", 60, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "guomen.core.clientip.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Two-factor sign-in (TOTP, django-otp) for command, administrator, information-officer and
# liaison roles (org.roles.TWO_FACTOR_ROLES): required in production unless turned off; elsewhere
# anyone may enrol and, once enrolled, is always asked. API tokens are not affected.
# Retention: a person whose journeys are all closed is anonymised this many days after the last
# closure (names, document numbers, phone, exact birth date); journeys and events stay.
GUOMEN_RETENTION_DAYS = env.int("GUOMEN_RETENTION_DAYS", 180, minimum=1)
# Reviewed access (people.audit): unusual patterns of full views become alerts.
GUOMEN_AUDIT_BURST = env.int("GUOMEN_AUDIT_BURST", 20, minimum=2)  # full views by one user within an hour
GUOMEN_AUDIT_DAILY_FLOOR = env.int("GUOMEN_AUDIT_DAILY_FLOOR", 30, minimum=1)  # a day's views never flagged below this
GUOMEN_AUDIT_PEER_FACTOR = env.int("GUOMEN_AUDIT_PEER_FACTOR", 5, minimum=2)  # ... nor below this times the peers' median
GUOMEN_AUDIT_WORK_HOURS = env.str("GUOMEN_AUDIT_WORK_HOURS", "7-21") or "7-21"  # local hours; a full view outside is flagged
GUOMEN_TWO_FACTOR_REQUIRED = env.bool("GUOMEN_TWO_FACTOR_REQUIRED", default=PRODUCTION)
OTP_TOTP_ISSUER = env.str("GUOMEN_TWO_FACTOR_ISSUER", "guomen") or "guomen"
OTP_TOTP_THROTTLE_FACTOR = 1  # each wrong code doubles the wait before the next try
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
if ENVIRONMENT == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- language and time --------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]  # each named in its own language
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.timezone("GUOMEN_TIME_ZONE", "Asia/Shanghai")
# Each app keeps its own translations in <app>/locale (see scripts/check_translations.py).
LOCALE_PATHS: list[Path] = [BASE_DIR / "guomen" / "lib" / "locale"]  # lib is no app; its few messages (text rules) live here

# --- static files (served by whitenoise; front-end libraries come from npm) ----
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
_NODE = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/htmx", _NODE / "htmx.org" / "dist"),
    ("vendor/leaflet", _NODE / "leaflet" / "dist"),
    ("vendor/echarts", _NODE / "echarts" / "dist"),
    ("vendor/alpine", _NODE / "@alpinejs" / "csp" / "dist"),
    ("vendor/jsqr", _NODE / "jsqr" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if ENVIRONMENT == "test" or DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# --- security -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("GUOMEN_SESSION_SECONDS", 12 * 3600, minimum=300)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("GUOMEN_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("GUOMEN_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("GUOMEN_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' preload list cannot be undone quickly: the operator decides, not the default.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF, "blob:"],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- audit --------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.choice("GUOMEN_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))},
}
