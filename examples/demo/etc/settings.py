# Production settings of @P@, as the reference chapter lays them out.
from demo.settings_base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "@P@.example.org"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/var/opt/@P@/@P@.db",
    }
}
SECRET_KEY = "@SECRET_KEY@"
SERVER_EMAIL = "noreply@example.org"
DEFAULT_FROM_EMAIL = "noreply@example.org"
ADMINS = [("Admin", "admin@example.org")]
MANAGERS = ADMINS
EMAIL_BACKEND = "demo.sendmail_backend.EmailBackend"
EMAIL_HOST_PASSWORD = "@MAIL_PASSWORD@"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"default": {"format": "[%(asctime)s] %(levelname)s: %(message)s"}},
    "handlers": {
        "file": {
            "class": "logging.handlers.TimedRotatingFileHandler",
            "filename": "/var/log/@P@/@P@.log",
            "when": "midnight",
            "backupCount": 60,
            "formatter": "default",
        },
    },
    "root": {"handlers": ["file"], "level": "INFO"},
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": "/var/cache/@P@/cache",
    }
}
STATIC_ROOT = "/var/cache/@P@/static"
# Django's deployment checklist; behind the TLS proxy a real site has. The
# demo serves plain http in a container, so only SECURE_SSL_REDIRECT stays off.
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
DEMO_MARKER = "production"
