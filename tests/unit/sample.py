"""Settings of a small real Django project for the tests that run Django."""

SETTINGS = """
SECRET_KEY = "unit-test-secret-value"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.sessions"]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": "{db}"}}}}
USE_TZ = True
SESSION_ENGINE = "{engine}"
"""
