"""Secrets are the values Django loaded, judged by Django's own rule: every
way a settings file can set them is masked in every relay, also inside an
exception message raised while the settings load."""

import random
import string

import pytest

from djops.bridge import project_python, secrets
from djops.inproject import sensitive
from djops.inproject.redact import MASK, Redactor

# Django's get_random_secret_key() alphabet: a key full of #, (, = and %
ALPHABET = string.ascii_lowercase + string.digits + "!@#$%^&*(-_=+)"
BASE = """
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.sessions"]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": "{db}"}}}}
SECRET_KEY = "not-the-point-of-this-test"
USE_TZ = True
"""

# the shapes the review found unmasked; {v} is the generated value
SHAPES = {
    "subscript": 'DATABASES["default"]["PASSWORD"] = {v!r}\n',
    "caches": 'CACHES = {{"default": {{"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}}}\n'
    'CACHES["default"]["PASSWORD"] = {v!r}\n',
    "name later": 'DB_PW = {v!r}\nDATABASES["default"].update({{"PASSWORD": DB_PW}})\n',
    "environ default": 'import os\nos.environ.setdefault("DJANGO_SECRET_KEY", {v!r})\n'
    'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\n',
    "tuple": "EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = 'shop', {v!r}\n",
    "file": 'SECRET_KEY = open(__file__.rsplit("/", 1)[0] + "/key.bin").read().strip()\n',
    "custom dict": 'PAYMENT = {{"merchant": "shop", "api_key": {v!r}}}\n',
}


def generated_key(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(50))


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()


def _settings(django_project, shape: str, value: str, tail: str = "") -> object:
    d = django_project.settings
    (d / "key.bin").write_text(value + "\n")  # read by the "file" shape only
    text = BASE.format(db=django_project.db) + SHAPES[shape].format(v=value) + tail
    # the static net must not be what finds it: hide the literal from the text
    return django_project(text=text)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_loaded_values_reach_roots_relays(shape, django_project, state):
    rng = random.Random(f"loaded-{shape}")
    for _ in range(3):
        value = generated_key(rng)
        cfg = _settings(django_project, shape, value)
        res = project_python.run(cfg, "dbaddress", timeout=60)
        assert res.ok, res.data
        assert secrets.LOADED_KEY not in res.data, "the values never reach a caller"
        assert value in secrets.stored(cfg.name)
        line = f"job said: connecting with {value}; done"
        assert secrets.redactor(cfg).redact(line) == f"job said: connecting with {MASK}; done"


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_an_exception_raised_while_loading_never_carries_the_value(shape, django_project, state):
    value = generated_key(random.Random(f"raise-{shape}"))
    # int() of the value puts it into the exception's message
    blame = {
        "subscript": 'DATABASES["default"]["PASSWORD"]',
        "caches": 'CACHES["default"]["PASSWORD"]',
        "name later": "DB_PW",
        "environ default": "SECRET_KEY",
        "tuple": "EMAIL_HOST_PASSWORD",
        "file": "SECRET_KEY",
        "custom dict": 'PAYMENT["api_key"]',
    }[shape]
    cfg = _settings(django_project, shape, value, tail=f"PORT = int({blame})\n")
    for command in ("dbaddress", "validate", "facts"):
        res = project_python.run(cfg, command, timeout=60)
        assert not res.ok
        assert value not in str(res.data), (command, res.data)
        assert "ValueError" in res.data["error"] and MASK in res.data["error"]


def test_django_rule_hides_everything_below_a_sensitive_key():
    value = {"AUTH": {"user": "svc", "nested": ["tok-abc-123", 4242]}, "NAME": "shop"}
    assert set(sensitive.by_name("OTHER", value)) == {"svc", "tok-abc-123", "4242"}
    assert "shop" not in set(sensitive.by_name("OTHER", value))


def test_django_defaults_are_public_and_a_custom_filter_is_asked(django_project, state):
    text = (
        BASE.format(db=django_project.db)
        + 'AUTH_USER_MODEL = "auth.User"\nSHOP_ACCOUNT = "extra-hidden-9"\n'
        + 'DEFAULT_EXCEPTION_REPORTER_FILTER = "myfilter.Filter"\n'
    )
    (django_project.settings / "myfilter.py").write_text(
        "import re\nfrom django.views.debug import SafeExceptionReporterFilter\n"
        "class Filter(SafeExceptionReporterFilter):\n"
        "    hidden_settings = re.compile('ACCOUNT|KEY', re.I)\n"
    )
    cfg = django_project(text=text)
    assert project_python.run(cfg, "dbaddress", timeout=60).ok
    kept = secrets.stored(cfg.name)
    assert "extra-hidden-9" in kept, "the project's own filter decides too"
    assert "auth.User" not in kept, "Django's documented default is public"


def test_the_static_scan_still_finds_what_never_loaded(tmp_path):
    value = generated_key(random.Random("static"))
    for shape in ("subscript", "name later", "environ default", "caches"):
        (tmp_path / "settings.py").write_text(SHAPES[shape].format(v=value) + "SYNTAX ERROR(\n")
        r = Redactor.from_settings_dir(str(tmp_path))
        assert r.redact(f"x {value} y") == f"x {MASK} y", shape


def test_stored_values_are_roots_alone(django_project, state):
    cfg = _settings(django_project, "subscript", "pw-" + "x" * 20)
    assert project_python.run(cfg, "dbaddress", timeout=60).ok
    from djops import paths

    assert paths.loaded_secrets(cfg.name).stat().st_mode & 0o777 == 0o600
