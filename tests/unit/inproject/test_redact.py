import os

from hypothesis import given, settings
from hypothesis import strategies as st

from djops.inproject.redact import MASK, Redactor, source_secrets


def test_source_secrets_take_sensitive_assignments_only(tmp_path):
    f = tmp_path / "settings.py"
    f.write_text(
        "DEBUG = False\n"
        "SECRET_KEY = 'k3y-very-secret'\n"
        "EMAIL_HOST_PASSWORD = 'hunter2\n"  # unterminated: must still be found
        "DATABASES = {'default': {'PASSWORD': \"dbpass99\", 'NAME': 'shop'}}\n"
        "API_TOKEN = os.environ['API_TOKEN']\n"
    )
    found = source_secrets(str(f))
    assert {"k3y-very-secret", "hunter2", "dbpass99"} <= found
    assert "shop" not in found and "False" not in found
    assert "API_TOKEN" not in found, "setting names are not secrets"


def test_syntax_error_description_carries_no_source(tmp_path):
    f = tmp_path / "settings.py"
    f.write_text("EMAIL_HOST_PASSWORD = 'hunter2\n")
    r = Redactor.from_settings_dir(str(tmp_path))
    try:
        compile(f.read_text(), str(f), "exec")
    except SyntaxError as e:
        text = r.describe(e)
    assert "hunter2" not in text
    assert text.startswith("SyntaxError: unterminated string literal")
    assert f"({f}, line 1)" in text


def test_runtime_values_of_sensitive_settings_are_masked():
    class S:
        SECRET_KEY = "abcdef-secret"
        DATABASES = {"default": {"PASSWORD": "pw-123", "NAME": "db"}}
        DEBUG = True

    r = Redactor()
    r.add_settings(S)
    assert r.redact("failed with pw-123 and abcdef-secret on db") == (
        f"failed with {MASK} and {MASK} on db"
    )


def test_unquoted_value_in_name_error_is_masked(tmp_path):
    (tmp_path / "settings.py").write_text("EMAIL_HOST_PASSWORD = hunter2\n")
    r = Redactor.from_settings_dir(str(tmp_path))
    assert "hunter2" not in r.describe(NameError("name 'hunter2' is not defined"))


# django.core.management.utils.get_random_secret_key's alphabet: nearly every
# generated key holds `#`, `(`, `=` or `)`, which cut the old word-based scan.
DJANGO_KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"


@settings(max_examples=300, deadline=None)
@given(
    key=st.text(DJANGO_KEY_CHARS, min_size=50, max_size=50),
    password=st.text(DJANGO_KEY_CHARS + "ABCXYZ ,:;[]{}", min_size=8, max_size=30),
)
def test_generated_django_keys_and_odd_passwords_are_masked_whole(key, password):
    import tempfile

    source = (
        f"SECRET_KEY = 'django-insecure-{key}'  # generated\n"
        f'DATABASES = {{"default": {{"ENGINE": "x", "PASSWORD": "{password}", "NAME": "shop"}}}}\n'
        f"EMAIL_HOST_PASSWORD = '{password}\n"  # unterminated: a syntax error
    )
    with tempfile.TemporaryDirectory() as d:
        with open(f"{d}/settings.py", "w") as f:
            f.write(source)
        r = Redactor.from_settings_dir(d)
    for line in source.splitlines():  # a traceback quotes the source line
        shown = r.redact(line)
        assert key not in shown and password.strip() not in shown, shown


def test_multiline_values_kwargs_and_escapes(tmp_path):
    (tmp_path / "settings.py").write_text(
        'PRIVATE_KEY = """-----BEGIN KEY-----\nAAAAline2secret\n-----END KEY-----"""\n'
        'CACHES = dict(default=dict(BACKEND="x", PASSWORD="kw-secret#1"))\n'
        'API_TOKEN = "tab\\there"\n'
        'DEBUG = "not-a-secret"\n'
    )
    found = source_secrets(str(tmp_path / "settings.py"))
    assert "AAAAline2secret" in "".join(found)
    assert {"kw-secret#1", "tab\there", "tab\\there"} <= found
    assert "not-a-secret" not in found


def test_secrets_in_the_settings_directorys_other_files(tmp_path):
    (tmp_path / "secret_key.txt").write_text("k8#v(2=zzzzzzzzzzzzzzzzzzzzzz\n")
    (tmp_path / "env").write_text("export DB_PASSWORD='from-env-file'\nDEBUG=1\n")
    (tmp_path / "README").write_text("This directory holds the settings.\n")
    r = Redactor.from_settings_dir(str(tmp_path))
    assert r.redact("k8#v(2=zzzzzzzzzzzzzzzzzzzzzz from-env-file") == f"{MASK} {MASK}"
    assert "settings" in r.redact("This directory holds the settings.")


def test_reading_settings_never_blocks_or_reads_without_bound(tmp_path):
    os.mkfifo(tmp_path / "fifo.py")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    (tmp_path / "settings.py").write_text("SECRET_KEY = 'still-found'\n")
    assert "still-found" in Redactor.from_settings_dir(str(tmp_path)).secrets


def test_a_lazy_redactor_reads_the_settings_on_first_use(tmp_path):
    (tmp_path / "settings.py").write_text('SECRET_KEY = "abcdefghijklmnop-secret"\n')
    r = Redactor.from_settings_dir(str(tmp_path), lazy=True)
    assert r.secrets == set()  # nothing read yet
    assert r.redact("key abcdefghijklmnop-secret here") == f"key {MASK} here"
