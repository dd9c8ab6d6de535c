"""Django settings for persondata.

Everything an installation changes comes from the environment (12-factor), with defaults that give the embedded
SQLite setup under ./var. See docs/configuration.md, which lists every variable read here.

This is the only module that reads the environment: the rest of the code reads ``django.conf.settings``
(``tests/test_settings.py`` checks both, and that docs/configuration.md names exactly the variables read here).
Every variable is read through one of the helpers below; a bad value stops the start with ImproperlyConfigured
naming the variable and what to write instead.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from persondata.home import ensure_secret, home_dir

_ON = frozenset({"1", "true", "yes", "on"})
_OFF = frozenset({"0", "false", "no", "off"})
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


# -- reading the environment: the only place in the product that does ---------------------------------------
def _text(name: str, default: str = "") -> str:
    """The variable's value without surrounding white space; ``default`` when it is unset or empty."""
    return os.environ.get(name, "").strip() or default


def _flag(name: str, default: bool = False) -> bool:
    """On or off: ``1``/``true``/``yes``/``on`` or ``0``/``false``/``no``/``off``; unset or empty: ``default``."""
    raw = _text(name).lower()
    if not raw:
        return default
    if raw in _ON or raw in _OFF:
        return raw in _ON
    raise ImproperlyConfigured(
        f"{name} is {raw!r}; set it to 1 (on) or 0 (off), or leave it unset ({'on' if default else 'off'})"
    )


def _whole(name: str, default: int, *, least: int, unit: str) -> int:
    """A whole number of at least ``least``; unset or empty: ``default``."""
    raw = _text(name)
    if not raw:
        return default
    try:
        number = int(raw)
    except ValueError:
        number = least - 1
    if number < least:
        raise ImproperlyConfigured(
            f"{name} is {raw!r}; set it to a whole number of {unit} of at least {least} "
            f"(for instance {default}, the default), or leave it unset"
        )
    return number


BASE_DIR = Path(__file__).resolve().parent
HOME = home_dir(_text("PERSONDATA_HOME") or None)

SECRET_KEY = _text("PERSONDATA_SECRET_KEY") or ensure_secret(HOME / "django-secret.key")
DEBUG = _flag("PERSONDATA_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in _text("PERSONDATA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]


SQLITE_BUSY_SECONDS = 20


def _database(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/file.sqlite3 or sqlite:////absolute/file.sqlite3 (as SQLAlchemy spells them)
        path = unquote(parts.netloc + parts.path)[1:]
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or str(HOME / "persondata.sqlite3"),
            # WAL: readers never block the writer; IMMEDIATE: a write transaction takes the lock up front,
            # so two writers queue instead of failing half-way with "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                # the busy timeout: how long a write waits for another's lock (a long import holds it for minutes)
                # before it gives up — the request is then answered 503 with Retry-After (persondata.web.errors).
                # Well under gunicorn's worker timeout (persondata.gunicorn_conf), which kills a silent worker.
                "timeout": SQLITE_BUSY_SECONDS,
                # secure_delete: freed pages are zeroed, so a destroyed data key (crypto-shredding, RULES R5) does
                # not linger in the file's free space
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA secure_delete=ON;"
                ),
            },
            # a server thread keeps its connection between requests: opening one (with its two attached files)
            # cost up to a third of a read's CPU (docs/configuration.md)
            "CONN_MAX_AGE": _whole("PERSONDATA_SQLITE_CONN_MAX_AGE", 60, least=0, unit="seconds"),
            "TEST": {"NAME": _text("PERSONDATA_TEST_SQLITE") or None},
        }
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "persondata",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "TEST": {"NAME": _text("PERSONDATA_TEST_DBNAME") or None},
        }
    raise ImproperlyConfigured(
        f"PERSONDATA_DATABASE_URL has scheme {parts.scheme!r}; use sqlite:////path/file.sqlite3 "
        "or postgresql://user@host:5432/dbname"
    )


DATABASE_URL = _text("PERSONDATA_DATABASE_URL", f"sqlite:///{HOME / 'persondata.sqlite3'}")
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # before persondata.web: its audit receivers must run after axes has counted a failed login
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # the floor: the key store and ring; audit trail; access (staff, permissions, access log); jobs (runner, outbox)
    "persondata.keys",
    "persondata.audit",
    "persondata.access",
    "persondata.jobs",
    # the capabilities
    "persondata.register",
    "persondata.documents",
    "persondata.retention",
    "persondata.backups",
    "persondata.requests",
    "persondata.partners",
    "persondata.governance",
    "persondata.systems",
    # the interfaces
    "persondata.web",
    "persondata.api",
    "persondata.public",
    "persondata.setup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "persondata.web.middleware.SecurityHeadersMiddleware",
    "persondata.access.gate.GateScopeMiddleware",  # the declarations gate asked once per login and request
    "persondata.api.middleware.ApiErrorsMiddleware",  # every error under /api/ as {"detail", "code"} JSON
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "persondata.access.account.SessionLifetimeMiddleware",
    "persondata.access.account.RequireOTPMiddleware",
    "persondata.access.account.FirstPasswordMiddleware",  # a password given by someone else is changed first
    "persondata.setup.middleware.PolicyFileMiddleware",  # another worker wrote the policy file: load it
    "persondata.access.refusal.RefusalMiddleware",  # the web's one refusal path: AccessDenied → audited 403
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into the lockout page
]

ROOT_URLCONF = "persondata.urls"
WSGI_APPLICATION = "persondata.wsgi.application"

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
                "persondata.setup.context.setup_todo",  # lazy: only the dashboard's setup card reads it
            ],
        },
    },
]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sessions end 30 minutes after the last request (the expiry moves ahead on every request, written at most once a
# minute: 29 to 30 minutes after it),
# PERSONDATA_SESSION_MAX_AGE seconds (8 hours) after the login however busy
# (persondata.access.account.SessionLifetimeMiddleware), and when the browser closes.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
# a refresh of the expiry alone never waits for a long import's write lock (persondata.access.sessions)
SESSION_ENGINE = "persondata.access.sessions"
PERSONDATA_SESSION_MAX_AGE = _whole("PERSONDATA_SESSION_MAX_AGE", 8 * 3600, least=60, unit="seconds")
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = _flag("PERSONDATA_SECURE_COOKIES")
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
# HTTPS only: once a browser has seen this header it refuses plain HTTP to this host for that long.
_HSTS_SECONDS = _whole("PERSONDATA_HSTS_SECONDS", 31_536_000, least=0, unit="seconds")
SECURE_HSTS_SECONDS = _HSTS_SECONDS if SECURE_COOKIES else 0
# Behind exactly one reverse proxy that terminates HTTPS and sets X-Forwarded-Proto and X-Forwarded-For. Never
# set without such a proxy: a client could then claim HTTPS, or any address, by sending the headers itself.
BEHIND_PROXY = _flag("PERSONDATA_BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Lockout after failed logins (django-axes; docs/login-security.md). 5 wrong passwords for one username from one
# client address pause that combination for 15 minutes from the last failure; a correct login resets the count.
# Per combination, so that nobody can lock a colleague out by typing their username from elsewhere.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the time on the lockout page stays true
AXES_LOCKOUT_CALLABLE = "persondata.access.account.lockout_response"
# axes stores keyed pseudonyms, never the username typed nor the address in clear (persondata.access.auth_audit)
AXES_USERNAME_CALLABLE = "persondata.access.auth_audit.axes_username"
AXES_CLIENT_IP_CALLABLE = "persondata.access.auth_audit.axes_client"
# successful logins go to the audit log, not to a table of usernames and addresses
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no usernames or addresses in the application log
AXES_ENABLE_ADMIN = False
OTP_TOTP_ISSUER = "persondata"

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Copenhagen"

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
# Django's storage would write its files 0644 whatever the umask (persondata.home): the collected static files
# too are the owner's only, like everything in the home
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Application logs never carry personal data: only pseudonymous ids, counts and error codes (see docs/security.md).
LOG_LEVEL = _text("PERSONDATA_LOG_LEVEL", "WARNING").upper()
if LOG_LEVEL not in _LOG_LEVELS:
    raise ImproperlyConfigured(
        f"PERSONDATA_LOG_LEVEL is {LOG_LEVEL!r}; set it to one of {', '.join(_LOG_LEVELS)}, or leave it unset"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

PERSONDATA_POLICY_FILE = _text("PERSONDATA_POLICY")
# the key store on SQLite (docs/security.md): a file of its own beside the database, never in its backups
PERSONDATA_KEY_STORE_FILE = HOME / "keys.sqlite3"
# the access log on SQLite: a file of its own with its own write lock, so a read is logged while an import writes
# (persondata.access.log_store); backed up with the database
PERSONDATA_ACCESS_LOG_FILE = HOME / "access-log.sqlite3"
# the intake spool on SQLite: public submissions made while a long writer holds the database wait here, sealed,
# until they are moved into it (persondata.requests.spool); not backed up: it empties within a minute of the writer
PERSONDATA_INTAKE_SPOOL_FILE = HOME / "intake-spool.sqlite3"
PERSONDATA_MASTER_KEY_FILE = Path(_text("PERSONDATA_MASTER_KEY") or HOME / "master.key")
# The deletion ledger (docs/retention.md); empty: <home>/deletion-ledger.jsonl (persondata.retention.ledger)
PERSONDATA_DELETION_LEDGER = _text("PERSONDATA_DELETION_LEDGER")

# -- the command line and the server ---------------------------------------------------------------------------
# The staff login CLI commands act as when --user/--as is not given; empty: they ask for it.
PERSONDATA_USER = _text("PERSONDATA_USER") or None
PERSONDATA_BIND = _text("PERSONDATA_BIND", "127.0.0.1:8000")  # where `persondata serve` listens
PERSONDATA_WORKERS = _whole("PERSONDATA_WORKERS", 2, least=1, unit="worker processes")
PERSONDATA_JOBS = _flag("PERSONDATA_JOBS", default=True)  # off: `persondata serve` runs no daily jobs

# -- the public request form (docs/public-pages.md; persondata.public.ratelimit) -------------------------------
PERSONDATA_PUBLIC_LIMIT_PER_CLIENT = _whole(
    "PERSONDATA_PUBLIC_LIMIT_PER_CLIENT", 5, least=1, unit="submissions"
)
PERSONDATA_PUBLIC_LIMIT_CLIENT_SECONDS = _whole(
    "PERSONDATA_PUBLIC_LIMIT_CLIENT_SECONDS", 3600, least=1, unit="seconds"
)
PERSONDATA_PUBLIC_LIMIT_GLOBAL = _whole("PERSONDATA_PUBLIC_LIMIT_GLOBAL", 60, least=1, unit="submissions")
PERSONDATA_PUBLIC_LIMIT_GLOBAL_SECONDS = _whole(
    "PERSONDATA_PUBLIC_LIMIT_GLOBAL_SECONDS", 60, least=1, unit="seconds"
)
# the largest valid form, all fields full of 3-byte characters, is about 45 KB
PERSONDATA_PUBLIC_MAX_BODY = _whole("PERSONDATA_PUBLIC_MAX_BODY", 64 * 1024, least=1024, unit="bytes")

# -- outgoing e-mail (identity confirmations, answers to customers) -----------------------------------------
# PERSONDATA_SMTP_URL: smtp://user:password@host:587 (STARTTLS), smtps://…:465 (TLS) or smtp://host:25.
# Without it, nothing is sent and nothing is written to a file: mail waits in the outbox, sealed (the embedded demo
# default), and the controller reads it with `persondata outbox list|show` (persondata.jobs.outbox).
_SMTP_URL = _text("PERSONDATA_SMTP_URL")
_smtp = urlsplit(_SMTP_URL)
if _smtp.scheme in ("smtp", "smtps"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp.hostname or "localhost"
    EMAIL_PORT = _smtp.port or (465 if _smtp.scheme == "smtps" else 25)
    EMAIL_HOST_USER = unquote(_smtp.username or "")
    EMAIL_HOST_PASSWORD = unquote(_smtp.password or "")
    EMAIL_USE_SSL = _smtp.scheme == "smtps"
    EMAIL_USE_TLS = _smtp.scheme == "smtp" and EMAIL_PORT == 587
    EMAIL_TIMEOUT = 20
elif _SMTP_URL:
    raise ImproperlyConfigured(
        "PERSONDATA_SMTP_URL must start with smtp:// or smtps:// (smtp://user:password@host:587); "
        "leave it unset to keep mail on this machine"
    )
else:
    EMAIL_BACKEND = "persondata.jobs.outbox.HoldBackend"
DEFAULT_FROM_EMAIL = _text("PERSONDATA_MAIL_FROM")  # empty: the controller's e-mail (requests.mail.sender)
# The address customers reach the public pages on (confirmation links in e-mails are built from it); unset, the
# address `persondata serve` listens on (it hands its --bind to its workers), which suits a trial on one machine.
_BOUND = "127.0.0.1:8000" if PERSONDATA_BIND.startswith(("unix:", "fd:")) else PERSONDATA_BIND
PERSONDATA_PUBLIC_URL = _text("PERSONDATA_PUBLIC_URL", f"http://{_BOUND}").rstrip("/")
