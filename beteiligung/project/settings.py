"""Settings of the bundled portal, driven by environment variables.

Development defaults are safe to run on a laptop (embedded database, e-mail to
the console or the demo outbox). ``BETEILIGUNG_PRODUCTION=1`` switches on the
strict mode: SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS and EMAIL_URL must be set,
cookies are secure, HSTS is on, and the demo outbox is refused.

A project that embeds the library instead of using this portal needs the
settings marked "required by the library" below; see the README.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from beteiligung.project.env import env_bool, env_list, parse_cache_url, parse_email_url, var_dir

BASE_DIR = Path(__file__).resolve().parents[1]  # the beteiligung app (locale/)
PRODUCTION = env_bool("BETEILIGUNG_PRODUCTION")
DEMO = env_bool("BETEILIGUNG_DEMO") and not PRODUCTION
DEBUG = env_bool("DEBUG") and not PRODUCTION
VAR_DIR = var_dir()


def _required(name):
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production mode")
    return value


if PRODUCTION:
    SECRET_KEY = _required("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production mode")
else:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret-" + "x" * 40)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [".localhost", "localhost", "127.0.0.1", "testserver"])

# --- Apps ---------------------------------------------------------------------------
# Required by the library: tenants and django_tenants in SHARED_APPS, Wagtail, allauth
# and every module in TENANT_APPS. The public schema holds only tenants, domains, the
# platform operators' accounts (allauth, in both lists) and the task queue.
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    # The platform operators log in like editors: allauth with second factor and
    # rate limits (their accounts live in the public schema).
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
]

TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "beteiligung",
    "modules.dialog",
    "modules.statements",
    "modules.events",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

# allauth comes after the portal's apps (as in TENANT_APPS): the portal overrides its templates.
_shared_first = [app for app in SHARED_APPS if not app.startswith("allauth")]
INSTALLED_APPS = _shared_first + [app for app in TENANT_APPS if app not in _shared_first]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New tenants are cloned from this migrated template schema (a Tenant row without a
# domain), which migrate_schemas keeps migrated together with the real tenants.
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Issue SET search_path only when the schema changes, not before every query.
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "beteiligung.project.urls_public"
ROOT_URLCONF = "beteiligung.project.urls_tenant"
TENANT_MIGRATION_EXECUTOR = os.environ.get("TENANT_MIGRATION_EXECUTOR", "standard")

MIDDLEWARE = [
    "tenants.middleware.TenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "beteiligung.project.security.PortalSecurityHeadersMiddleware",  # CSP + Permissions-Policy
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "beteiligung.project.middleware.PortalLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any view (and CSRF's process_view) reads a form body: unreadable -> German 400.
    "beteiligung.project.security.RequestBodyGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "beteiligung.project.middleware.AdminRequiresMFAMiddleware",
    "beteiligung.participation.cache.CachedSiteMiddleware",
    # Hot public pages of modules from their per-process caches, before the page routing.
    "beteiligung.participation.fastpath.FastPathMiddleware",
    # Wagtail's redirects, for tenant hosts only (the public schema has no Wagtail tables).
    "beteiligung.portal.tenant_only.RedirectMiddleware",
]

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
                "wagtail.contrib.settings.context_processors.settings",
                "beteiligung.portal.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "beteiligung.project.wsgi.application"

# --- Database -----------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL")
if not DATABASE_URL:
    if PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL must be set in production mode")
    # Development and tests: the project's embedded PostgreSQL (see embedded_db.py).
    from beteiligung.project.embedded_db import ensure_database_url

    DATABASE_URL = ensure_database_url()

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        # Persistent connections: a new connection per request costs more than the
        # whole rest of a simple page (see bench/tenant_routing.py).
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", 600)),
        conn_health_checks=True,
    )
}
# django-tenants' backend, without its per-request SET search_path and Django's
# per-request health-check query (see beteiligung/project/db/base.py).
DATABASES["default"]["ENGINE"] = "beteiligung.project.db"
DB_HEALTH_CHECK_IDLE_SECONDS = float(os.environ.get("DB_HEALTH_CHECK_IDLE_SECONDS", 2))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, cookies ------------------------------------------------------
# The default cache is shared by all processes (rate limits of logins and sign-ups must
# count across gunicorn workers): the database cache (table beteiligung_cache in the
# public schema, created by a migration of the tenants app and by `beteiligung setup`)
# or Redis with CACHE_URL=redis://host:6379/0 (see env.parse_cache_url). CACHE_BACKEND
# and CACHE_LOCATION still override both. Hot per-request data (Wagtail's Site and its
# root paths, events' form pages) is kept per process elsewhere (participation/cache.py).
# Keys are prefixed with the current schema, so tenant A never reads tenant B's entry.
CACHES = {"default": parse_cache_url(os.environ.get("CACHE_URL"))}
if os.environ.get("CACHE_BACKEND"):
    CACHES["default"] = {
        "BACKEND": os.environ["CACHE_BACKEND"],
        "LOCATION": os.environ.get("CACHE_LOCATION", "beteiligung"),
    }
CACHES["default"].update(
    KEY_FUNCTION="django_tenants.cache.make_key",
    REVERSE_KEY_FUNCTION="django_tenants.cache.reverse_key",
)
SESSION_ENGINE = "django.contrib.sessions.backends.db"  # stored in the tenant's schema
# Host-only cookies: never set a *_COOKIE_DOMAIN, or one tenant's cookie reaches another.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_DOMAIN = None

# --- Accounts (django-allauth) -----------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Mail the owner when a password, e-mail address or second factor changes: the first
# authenticator of an account is set up by whoever knows the password, so its owner
# must hear of it.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Beteiligungsportal"
MFA_FORMS = {"activate_totp": "beteiligung.portal.accounts.ActivateTOTPForm"}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_ONLY = False
ACCOUNT_ADAPTER = "beteiligung.portal.accounts.AccountAdapter"
ACCOUNT_FORMS = {"signup": "beteiligung.portal.accounts.SignupForm"}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
WAGTAILADMIN_LOGIN_URL = "account_login"
# Private pages and documents send visitors to allauth's login, not to Wagtail's
# password-only form (which urls_tenant.py redirects there, too).
WAGTAIL_FRONTEND_LOGIN_URL = "account_login"

# --- Internationalisation ----------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static and media files --------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Media of each tenant lives under MEDIA_ROOT/<schema>/ and is served only on its own host.
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", PRODUCTION or DEMO)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not (PRODUCTION or DEMO)

# --- E-mail ---------------------------------------------------------------------------
_email_url = os.environ.get("EMAIL_URL")
if PRODUCTION and not _email_url:
    raise ImproperlyConfigured("EMAIL_URL must be set in production mode")
if not _email_url:
    _email_url = "demo-outbox://" if DEMO else "console://"
_email = parse_email_url(_email_url)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"]
# Error mails to admins come from DEFAULT_FROM_EMAIL as set in the environment; EMAIL_URL's
# ?from= sets only the sender of the portal's own mails.
SERVER_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Beteiligungsportal <noreply@localhost>")
DEFAULT_FROM_EMAIL = _email["DEFAULT_FROM_EMAIL"] or SERVER_EMAIL
if PRODUCTION and EMAIL_BACKEND == "beteiligung.participation.mail.DemoOutboxBackend":
    raise ImproperlyConfigured("The demo outbox is not allowed in production mode")

# --- Background tasks ---------------------------------------------------------------
# Every task carries the schema it was enqueued in and runs inside it (tasks.py).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "beteiligung.project.task_backends.TenantDatabaseBackend"),
    }
}

# --- Wagtail --------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Beteiligungsportal"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://localhost:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False  # passwords are allauth's business
# No avatars from gravatar.com: they would send a hash of each editor's address to a
# third party. Nothing in the portal or the admin loads from another origin (CSP).
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- Portal ------------------------------------------------------------------------------
# Seconds a process trusts its host -> tenant map before asking the database again;
# changes made in the same process are seen at once (tenants/middleware.py).
TENANT_CACHE_SECONDS = int(os.environ.get("TENANT_CACHE_SECONDS", 30))
PUBLIC_HOSTS = env_list("PUBLIC_HOSTS", ["localhost", "127.0.0.1"])
# The URL scheme and port of links in e-mails sent outside a request.
PORTAL_URL_SCHEME = os.environ.get("PORTAL_URL_SCHEME", "https" if PRODUCTION else "http")
PORTAL_URL_PORT = os.environ.get("PORTAL_URL_PORT", "" if PRODUCTION else "8000")
# Longest wait (ms) for an event's registration lock before "busy, try again" (events).
PROCEDURE_LOCK_TIMEOUT_MS = int(os.environ.get("PROCEDURE_LOCK_TIMEOUT_MS", 3000))
# Reverse proxies (addresses or networks) whose X-Forwarded-For names the client; without
# them, the client is REMOTE_ADDR (limits per client, e.g. events' open holds).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# --- Security -----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"  # Wagtail marks its preview views SAMEORIGIN itself
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "beteiligung.portal.errors.csrf_failure"  # German, in the portal's layout
# Content-Security-Policy (django-csp; beteiligung/project/security.py picks the policy per area
# and adds the hashes of the layout's two inline styles). Nothing from other origins.
_CSP_COMMON = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": _CSP_COMMON | {
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Wagtail 8's admin still renders inline <script> blocks (inline panels, date pickers)
# and style attributes, and shows previews in a frame of its own.
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": _CSP_COMMON | {
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
}
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = ["security.W021"] if not SECURE_HSTS_PRELOAD else []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
