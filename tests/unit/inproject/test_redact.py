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
