"""Django settings, read from the environment.

Every variable is documented in README.md ("Configuration"). Bad values stop the process at
start-up with the variable's name (see config/env.py). With no environment at all the project
runs in its embedded mode: SQLite under var/, the filesystem Celery broker under var/, CPU.
"""
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_choice, env_float, env_int, env_list, env_str
from .secret_key import secret_key_from_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ZOKUSEI_VAR_DIR", str(BASE_DIR / "var"))).resolve()

# Off unless asked for: a debug page shows settings and code to whoever gets an error.
DEBUG = env_bool("DEBUG", False)

# Without SECRET_KEY (the embedded mode) a random key is made once into var/secret_key, readable
# by this user only, and reused: sessions outlive restarts, and the web server and worker of
# this machine agree. Deployments on several machines pass the same SECRET_KEY to each.
SECRET_KEY = env_str("SECRET_KEY") or secret_key_from_file(VAR_DIR / "secret_key")

_LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", _LOOPBACK_HOSTS)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the site's host names")
# A site that answers to a name beyond this machine's loopback is reached over the network,
# where plain HTTP is never right: the HTTPS hardening and hashed static files below default on.
# On loopback alone (the embedded mode, `make demo`) there is no certificate to serve.
_SERVES_THE_NETWORK = not set(ALLOWED_HOSTS) <= set(_LOOPBACK_HOSTS)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "accounts",
    "taxonomy",
    "catalog",
    "ml",
    "frontend",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security_headers.ContentSecurityPolicy",  # django-csp; relaxed on the API docs pages
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.query_strings.RefuseUnstorableQueryText",  # NUL in API query parameters: 400, not a 500
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Searched before the apps' folders: django.contrib.admin comes first in INSTALLED_APPS, so
        # the project's admin/base_site.html (icon, branding) would otherwise never be used.
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'zokusei.sqlite3'}"
try:
    _database = dj_database_url.parse(
        env_str("DATABASE_URL", _DEFAULT_DATABASE_URL),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
    )
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a usable database URL: {error}") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    Path(_database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The embedded mode runs a web server and a Celery worker on one file: wait for locks
    # instead of failing, take the write lock at BEGIN so two writers never deadlock on an
    # upgrade, and let readers proceed during writes (WAL).
    # Tests get a file of their own (per process), so that a worker started in a subprocess
    # by the pipeline tests sees the same test database.
    _database["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    _database["OPTIONS"] = {
        "timeout": 60,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
# Sign-in throttling (accounts/lockout.py): the backend refuses a locked user name or address.
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutModelBackend"]
# Few enough wrong passwords to stop guessing, enough for a user who mistypes a few times.
ZOKUSEI_LOGIN_FAILURE_LIMIT = env_int("ZOKUSEI_LOGIN_FAILURE_LIMIT", 5, minimum=1)
# Per client address, across user names: higher, as an office may share one address.
ZOKUSEI_LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("ZOKUSEI_LOGIN_FAILURE_LIMIT_PER_ADDRESS", 20, minimum=1)
# A lock ends this long after the first failure of its window: 5 guesses per 15 minutes.
ZOKUSEI_LOGIN_LOCKOUT_SECONDS = env_int("ZOKUSEI_LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
# Proxies in front of the web server that append the client's address to X-Forwarded-For
# (docker-compose: 1, the TLS proxy); 0 takes REMOTE_ADDR. More than there are lets clients
# choose the address they are counted under.
ZOKUSEI_TRUSTED_PROXIES = env_int("ZOKUSEI_TRUSTED_PROXIES", 0, minimum=0)
# API tokens (accounts/tokens.py) stop working this many days after they were issued.
ZOKUSEI_TOKEN_LIFETIME_DAYS = env_int("ZOKUSEI_TOKEN_LIFETIME_DAYS", 30, minimum=1)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = env_choice("LANGUAGE_CODE", "en", {"en", "ja"})
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "frontend" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request otherwise
# Hashed, compressed file names (cached for ever by browsers) need `collectstatic` first, or
# every {% static %} raises: on by default only for a site served to the network.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", _SERVES_THE_NETWORK)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security (production defaults whenever the site is served to the network) --------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _SERVES_THE_NETWORK)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _SERVES_THE_NETWORK)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _SERVES_THE_NETWORK)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if _SERVES_THE_NETWORK else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _SERVES_THE_NETWORK)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _SERVES_THE_NETWORK)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Only behind a proxy that sets X-Forwarded-Proto itself (docker-compose's web service).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Django's defaults, spelled out because tests and docs rely on them.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4; config/security_headers.py relaxes it for the API docs):
# nothing inline, nothing from elsewhere. The bars of the pages get their widths from app.js
# (style attributes would need 'unsafe-inline'); the admin of Django 5.2 needs nothing more.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: the first class names the challenge of a 401 (an expired token answers 401
    # with `WWW-Authenticate: Token`; with the session class first, DRF answers 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Bounded bodies, no NUL or lone surrogate in any text (config/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "config.parsers.FormParser",
        "config.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # drf-spectacular's, documenting the error answers of every operation too (config/schema.py).
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Zokusei API",
    "DESCRIPTION": "Taxonomy, catalogue, suggestions and training runs of Zokusei.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Celery ---------------------------------------------------------------------------------
# Embedded default: a broker on the local filesystem, so a fresh machine needs no Redis.
BROKER_DIR = Path(env_str("ZOKUSEI_BROKER_DIR", str(VAR_DIR / "broker")))
# (The host part is ignored by the filesystem transport; naming one keeps kombu from warning.)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
# Tasks report their progress into the database rows they work on; no result backend needed.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "ml.tasks.train_model": {"queue": "training"},
    "ml.tasks.score_products": {"queue": "inference"},
    "ml.tasks.score_catalogue": {"queue": "inference"},
}
# Housekeeping on the default queue, run by `celery beat` (docker-compose's beat service; the
# embedded worker of `make demo` runs beat inside itself).
CELERY_BEAT_SCHEDULE = {
    "fail-dead-training-runs": {"task": "ml.tasks.fail_dead_runs", "schedule": 60.0},
    "resend-stalled-training-runs": {"task": "ml.tasks.resend_stalled_runs", "schedule": 60.0},
    "prune-old-artifacts": {"task": "ml.tasks.prune_artifacts", "schedule": 24 * 3600.0},
    "train-after-enough-decisions": {"task": "ml.tasks.train_if_enough_decisions", "schedule": 300.0},
    # Messages the broker could not take when they were sent (ml/outbox.py), sent again soon.
    "send-unsent-tasks": {"task": "ml.tasks.send_unsent", "schedule": 30.0},
    # The staff overview's figures (catalog/overview.py): they read the whole catalogue.
    "refresh-catalogue-overview": {
        "task": "catalog.tasks.refresh_overview",
        "schedule": float(env_int("ZOKUSEI_OVERVIEW_REFRESH_SECONDS", 600, minimum=10)),
    },
}
# Long tasks: a crashed worker's task goes back to the queue; no worker hoards tasks.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 24 * 3600, minimum=60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", CELERY_TASK_TIME_LIMIT - 60, minimum=30)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that sends a task after commit waits at most about a second for a broker that is
# down; the task is then kept in the database and sent again by beat (ml/outbox.py).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TIMEZONE = TIME_ZONE

# --- Zokusei --------------------------------------------------------------------------------
ZOKUSEI_MODEL_DIR = Path(env_str("ZOKUSEI_MODEL_DIR", str(VAR_DIR / "models")))
ZOKUSEI_DEFAULT_ENCODER = env_str("ZOKUSEI_DEFAULT_ENCODER", "cl-tohoku/bert-base-japanese-v3")
ZOKUSEI_DEVICE = env_choice("ZOKUSEI_DEVICE", "auto", {"auto", "cpu", "cuda"})
# GPUs each training worker sees: a run may ask for cuda:0 .. cuda:N-1 (ml/runs.py).
ZOKUSEI_TRAINING_GPUS = env_int("ZOKUSEI_TRAINING_GPUS", 1, minimum=0)
# Folders under which staff may name a local encoder for a run (the API, the staff form);
# hub names (org/name) are always allowed, the operator's command line may name any folder.
ZOKUSEI_ENCODER_DIRS = [Path(p) for p in env_list("ZOKUSEI_ENCODER_DIRS", [str(VAR_DIR)])]
# bf16 scoring is faster on GPUs, but a product's scores then depend slightly on the other
# products of its batch (ml/xmc/model.py); fp32 keeps suggestions independent of chunking.
ZOKUSEI_INFERENCE_BF16 = env_bool("ZOKUSEI_INFERENCE_BF16", False)
ZOKUSEI_SCORING_CHUNK_SIZE = env_int("ZOKUSEI_SCORING_CHUNK_SIZE", 512, minimum=1)
# The largest file an import upload may be (bytes): 2M products as JSONL are about 1 GB.
ZOKUSEI_MAX_UPLOAD_BYTES = env_int("ZOKUSEI_MAX_UPLOAD_BYTES", 2 * 1024**3, minimum=1024)
ZOKUSEI_HEARTBEAT_TIMEOUT = env_int("ZOKUSEI_HEARTBEAT_TIMEOUT", 600, minimum=10)
ZOKUSEI_RESEND_QUEUED_AFTER = env_int("ZOKUSEI_RESEND_QUEUED_AFTER", 900, minimum=60)
# Retention (ml/retention.py), applied daily by beat and by `manage.py prune_artifacts`; 0 keeps all.
ZOKUSEI_KEEP_MODEL_VERSIONS = env_int("ZOKUSEI_KEEP_MODEL_VERSIONS", 0, minimum=0)
ZOKUSEI_KEEP_SNAPSHOTS = env_int("ZOKUSEI_KEEP_SNAPSHOTS", 0, minimum=0)
ZOKUSEI_AUTO_ACTIVATE = env_bool("ZOKUSEI_AUTO_ACTIVATE", False)
ZOKUSEI_AUTO_TRAIN_AFTER_DECISIONS = env_int("ZOKUSEI_AUTO_TRAIN_AFTER_DECISIONS", 0, minimum=0)
ZOKUSEI_HELD_OUT_FRACTION = env_float("ZOKUSEI_HELD_OUT_FRACTION", 0.1, minimum=0.0, maximum=0.5)
ZOKUSEI_DEMO = env_bool("ZOKUSEI_DEMO", False)
# The encoder `manage.py demo` fine-tunes instead of building a small BERT from scratch.
ZOKUSEI_DEMO_ENCODER = env_str("ZOKUSEI_DEMO_ENCODER", None)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})},
}
