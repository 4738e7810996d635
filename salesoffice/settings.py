"""SalesOffice settings: one module, configured from the environment.

With nothing set, the app runs on an embedded SQLite file with Celery tasks executed eagerly
(the "try it" default). Production sets DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# The embedded default (no DATABASE_URL) is for trying the app and for local tooling, so it runs in
# debug mode; any configured deployment is production unless DEBUG says otherwise.
DEBUG = env.bool("DEBUG", default=not env.str("DATABASE_URL", default=""))
SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "pgtrigger",
    "pghistory",
    "csp",
    "salesoffice.core",
    "customers",
    "reception",
    "deals",
    "handover",
    "salesoffice.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "salesoffice.core.middleware.RequestIdMiddleware",
    "salesoffice.core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "salesoffice.core.middleware.HistoryContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "salesoffice.core.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Reads (GET) change no tracked row, so they skip the history context and its per-query overhead.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

ROOT_URLCONF = "salesoffice.urls"
WSGI_APPLICATION = "salesoffice.wsgi.application"
ASGI_APPLICATION = "salesoffice.asgi.application"

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
                "salesoffice.core.context_processors.workspace",
            ],
            "builtins": ["salesoffice.core.templatetags.office"],
        },
    },
]

# --- Database ----------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# Off by default: checking a kept connection costs a round trip before every request's first query
# (P1). A connection broken by a database restart then fails one request per worker with the 503 of
# DatabaseUnavailableMiddleware and is dropped at the end of that request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
if env.str("REPLICA_DATABASE_URL", default=""):
    DATABASES["replica"] = env.db("REPLICA_DATABASE_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["salesoffice.routers.ReportReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery -----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"
# Exactly one beat runs these; deadlines themselves are rows in PostgreSQL that the sweepers claim.
CELERY_BEAT_SCHEDULE = {
    "sessions-clear-expired": {
        "task": "salesoffice.core.tasks.sessions_clear_expired",
        "schedule": crontab(minute=15, hour=18),  # 02:15 in Asia/Shanghai
    },
    # The customers jobs compute each site's local day themselves; the times suit Asia/Shanghai.
    "customers-channel-reports-expire": {
        "task": "customers.tasks.channel_reports_expire_task",
        "schedule": crontab(minute=5, hour=16),  # 00:05
    },
    "customers-protection-expiry": {
        "task": "customers.tasks.protection_expiry_task",
        "schedule": crontab(minute=10, hour=16),  # 00:10
    },
    "customers-anonymise": {
        "task": "customers.tasks.customers_anonymise_task",
        "schedule": crontab(minute=30, hour=19),  # 03:30
    },
    "customers-lapse-warnings": {
        "task": "customers.tasks.lapse_warnings_task",
        "schedule": crontab(minute=0, hour=23),  # 07:00
    },
    "reception-open-alerts": {
        "task": "reception.tasks.reception_open_alerts",
        "schedule": 300.0,  # ROTA-05: receptions open too long, checked every 5 minutes
    },
    "customers-follow-up-reminders": {
        "task": "customers.tasks.follow_up_reminders_task",
        "schedule": crontab(minute=5, hour=23),  # 07:05
    },
    # DEP-03: holds end at the minute they were paid, so the sweep runs every few minutes.
    "deals-hold-expiry": {
        "task": "deals.tasks.hold_expiry_task",
        "schedule": crontab(minute="*/5"),
    },
    "deals-hold-reminders": {
        "task": "deals.tasks.hold_reminders_task",
        "schedule": crontab(minute="*/15"),
    },
    "deals-instalment-reminders": {
        "task": "deals.tasks.instalment_reminders_task",
        "schedule": crontab(minute=15, hour=23),  # 07:15
    },
    "deals-mortgage-overdue": {
        "task": "deals.tasks.mortgage_overdue_task",
        "schedule": crontab(minute=20, hour=23),  # 07:20
    },
    "deals-commission-confirm": {
        "task": "deals.tasks.commission_confirm_task",
        "schedule": crontab(minute=15, hour=16),  # 00:15
    },
    # RPT-01: each site's daily report once its own cut-off has passed; dedupe keys make reruns harmless.
    "reports-daily-deliver": {
        "task": "salesoffice.reports.tasks.daily_reports_deliver_task",
        "schedule": crontab(minute="*/15"),
    },
    # RPT-02: the weekly report on Monday morning.
    "reports-weekly-deliver": {
        "task": "salesoffice.reports.tasks.weekly_reports_deliver_task",
        "schedule": crontab(minute=0, hour=0, day_of_week="mon"),  # 08:00 Monday in Asia/Shanghai
    },
    "handover-move-in-notices": {
        "task": "handover.tasks.move_in_notices_task",
        "schedule": crontab(minute=30, hour=0),  # 08:30
    },
    # SVC-02/SVC-05: response targets can be 30 minutes, so overdue orders are looked for often.
    "handover-service-escalations": {
        "task": "handover.tasks.service_escalations_task",
        "schedule": crontab(minute="*/5"),
    },
    "handover-certificate-overdue": {
        "task": "handover.tasks.certificate_overdue_task",
        "schedule": crontab(minute=35, hour=0),  # 08:35
    },
    "handover-return-visits": {
        "task": "handover.tasks.return_visits_task",
        "schedule": crontab(minute=0),
    },
}

# --- Auth and security -------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# SEC-04: lock a username only from the address that failed, so nobody can lock a colleague out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

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
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)

# --- E-mail ------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="salesoffice@localhost")
EMAIL_ENABLED = env.bool("EMAIL_ENABLED", default=False)

# --- REST API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "salesoffice.core.authentication.SiteTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "salesoffice.core.permissions.TokenScopePermission",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "salesoffice.core.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "salesoffice.core.schema.OfficeAutoSchema",
    "EXCEPTION_HANDLER": "salesoffice.core.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "salesoffice.core.throttling.TokenRateThrottle",
        "salesoffice.core.throttling.SessionUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_TOKEN_RATE", default="1200/min"),
        "user": env.str("API_USER_RATE", default="2400/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SalesOffice API",
    "DESCRIPTION": "REST API of SalesOffice: customers, ownership, reception rota, deals, handover, reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several apps carry choice fields of the same name; these give the shared ones stable names.
    "ENUM_NAME_OVERRIDES": {
        "GenderEnum": "customers.models.Gender",
        "LevelEnum": "customers.models.Level",
        "SourceEnum": "customers.models.Source",
        "FollowUpMethodEnum": "customers.models.FollowUp.Method",
        "ExpectedPeriodEnum": "customers.models.ChannelReport.Period",
        "UnitStatusEnum": "deals.models.Unit.Status",
        "DepositPaymentMethodEnum": ["cash", "card", "transfer", "wechat", "alipay"],
        "PriorityEnum": "handover.models.Priority",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Refused requests (4xx: a unit already taken, a bad field) are answers, not incidents; on an
        # opening day they would flood the log. Server errors are still logged.
        "django.request": {"level": env.str("REQUEST_LOG_LEVEL", default="ERROR")},
    },
}
