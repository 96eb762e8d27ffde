"""Settings for the triage product, read from the environment (12-factor).

Production-safe defaults: DEBUG is off, SECRET_KEY is required when DEBUG is off.
Embedded defaults (no services): SQLite in var/ and kombu's filesystem broker in var/.
"""

from pathlib import Path

import environ

from config.broker import broker_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
DEMO_MODE = env.bool("DEMO_MODE", default=False)
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-dev-only-key-change-me")
else:
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_filters",
    "simple_history",
    "axes",
    "triage",
    "diagnostics",
    "sandbox",
    "escalations",
    "integrations",
    "practice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "config.context_processors.shell",
                "escalations.context_processors.badge",
            ],
        },
    },
]

DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'triage.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file-backed test database, so separately started worker processes see it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-triage.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security. HTTPS-only cookies and HSTS unless explicitly running over plain HTTP.
SECURE_SSL = env.bool("SECURE_SSL", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SECURE_SSL_REDIRECT = SECURE_SSL
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE_SSL else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions end after 30 idle minutes, and in any case 8 hours after login.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_AGE = env.int("SESSION_ABSOLUTE_SECONDS", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.reporting.RedactingExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "config.reporting.RedactingExceptionReporter"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# Login throttling (django-axes): lock a user+IP after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# Celery: the broker is Redis when REDIS_URL answers, else kombu's filesystem transport.
REDIS_URL = env.str("REDIS_URL", default="")
_broker = broker_settings(REDIS_URL, VAR_DIR / "celery")
CELERY_BROKER_URL = _broker["broker_url"]
CELERY_BROKER_TRANSPORT_OPTIONS = _broker["transport_options"]
CELERY_RESULT_BACKEND = _broker["result_backend"]
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = _broker["result_transport_options"]
BROKER_MODE = _broker["mode"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 3600
CELERY_RESULT_EXTENDED = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_TIMEZONE = "UTC"

# Coinbase targets. `make run` points these at the local sandbox.
COINBASE_REST_BASE = env.str("COINBASE_REST_BASE", default="https://api.coinbase.com")
COINBASE_WS_MARKET_URL = env.str(
    "COINBASE_WS_MARKET_URL", default="wss://advanced-trade-ws.coinbase.com"
)
COINBASE_WS_USER_URL = env.str(
    "COINBASE_WS_USER_URL", default="wss://advanced-trade-ws-user.coinbase.com"
)
DIAGNOSTICS_ALLOWED_HOSTS = env.list(
    "DIAGNOSTICS_ALLOWED_HOSTS",
    default=[
        "api.coinbase.com",
        "advanced-trade-ws.coinbase.com",
        "advanced-trade-ws-user.coinbase.com",
    ],
)
# Allow-listed names that may resolve to private addresses (e.g. a sandbox container).
DIAGNOSTICS_PRIVATE_HOSTS = env.list("DIAGNOSTICS_PRIVATE_HOSTS", default=[])
# Extra CA bundle trusted by diagnostics' TLS (e.g. the sandbox's self-signed CA).
DIAGNOSTICS_CA_BUNDLE = env.str("DIAGNOSTICS_CA_BUNDLE", default="")
# Fernet key that encrypts a customer's key secret on its way to a worker.
# Derived from SECRET_KEY when not given, so a single-node install needs nothing more.
DIAGNOSTICS_FERNET_KEY = env.str("DIAGNOSTICS_FERNET_KEY", default="")
SANDBOX_URL = env.str("SANDBOX_URL", default="http://127.0.0.1:8701")

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="triage@localhost")

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "config.logging.RedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# Diagnostic runs: every run has a deadline; a customer's key secret lives on the broker
# side as a Fernet token for at most DIAGNOSTICS_CREDENTIALS_TTL seconds. Checks go to
# DIAGNOSTICS_QUEUE when set (a dedicated worker pool), else to the default queue.
DIAGNOSTICS_RUN_DEADLINE_SECONDS = env.int("DIAGNOSTICS_RUN_DEADLINE_SECONDS", default=90)
DIAGNOSTICS_CREDENTIALS_TTL = env.int("DIAGNOSTICS_CREDENTIALS_TTL", default=300)
DIAGNOSTICS_QUEUE = env.str("DIAGNOSTICS_QUEUE", default="")

# Integrations: outbound webhooks retry with exponential backoff from this base.
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=10.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)

# Escalations: incident radar thresholds, read at call time. SLA targets per scenario and
# priority are SlaTarget rows (admin); ESCALATIONS_SLA_DEFAULTS may replace the built-in table.
ESCALATIONS_RADAR_MIN_PREFIXES = env.int("ESCALATIONS_RADAR_MIN_PREFIXES", default=3)
ESCALATIONS_RADAR_WINDOW_MINUTES = env.int("ESCALATIONS_RADAR_WINDOW_MINUTES", default=30)
# Seconds a worker waits for a lost pool process's result before reporting it lost.
CELERY_WORKER_LOST_WAIT = env.float("CELERY_WORKER_LOST_WAIT", default=10.0)
# The filesystem broker polls its folders; 0.2 s keeps a diagnostic run's checks (a group
# of tasks) from waiting up to a second each for a free worker slot to notice them.
if BROKER_MODE == "filesystem":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "polling_interval": env.float("BROKER_POLLING_INTERVAL", default=0.2),
        **CELERY_BROKER_TRANSPORT_OPTIONS,
    }
