"""A secret is masked in every form it takes in text: itself, its repr and
ascii in either quote style, its bytes' repr, its JSON string with and
without ensure_ascii, its URL-quoted forms, and the repr/JSON of a message
that already quotes it; and a raising settings module's strings, whatever
their names, are masked in its message while the type, file and line stay."""

import json
import os
import subprocess
import traceback
from urllib.parse import quote, quote_plus

from conftest import VENV
from hypothesis import given, settings
from hypothesis import strategies as st

from djops.inproject import forms, sensitive
from djops.inproject.redact import MASK, Masks, Redactor

# a backslash, both quote kinds, non-ASCII letters and a '%' (with `%41`,
# which an unquote would turn into an `A`)
PW = "pa\\ss'w\"ördé%41x"
PIECES = ("41x", "pa\\", "pa%")  # what would show if any form of PW were left


def _int_error(v: str) -> str:
    try:
        int(v)
    except ValueError as e:
        return str(e)
    raise AssertionError


def _traceback(v: str) -> str:
    try:
        int(v)
    except ValueError:
        return traceback.format_exc()
    raise AssertionError


DATABASES = lambda v: {"default": {"ENGINE": "x", "NAME": "shop", "PASSWORD": v}}  # noqa: E731

# how Python, json and urllib put a value into text
SHOWN = {
    "itself": lambda v: f"connecting with {v} now",
    "repr": repr,
    "ascii": ascii,
    "print(settings.DATABASES)": lambda v: str(DATABASES(v)),
    "ascii(settings.DATABASES)": lambda v: ascii(DATABASES(v)),
    "diffsettings line": lambda v: f"DATABASES = {DATABASES(v)!r}  ###",
    "int() ValueError": _int_error,
    "traceback": _traceback,
    "repr of the exception": lambda v: repr(ValueError(_int_error(v))),
    "a list of messages": lambda v: str([_int_error(v)]),
    "in a string with a double quote": lambda v: repr(f'say "{v}"'),
    "in a string with a single quote": lambda v: repr(f"it's {v}"),
    "bytes": lambda v: repr(v.encode()),
    "json": lambda v: json.dumps({"password": v}),
    "json ensure_ascii=False": lambda v: json.dumps({"password": v}, ensure_ascii=False),
    "json of the ValueError": lambda v: json.dumps({"error": _int_error(v)}),
    "json of the ValueError, utf-8": lambda v: json.dumps(
        {"error": _int_error(v)}, ensure_ascii=False
    ),
    "quote": lambda v: f"postgres://shop:{quote(v)}@db/shop",
    "quote safe=''": lambda v: f"https://x/?p={quote(v, safe='')}",
    "quote_plus": lambda v: f"https://x/?p={quote_plus(v)}&q=1",
    "read with its newline, printed": lambda v: f"key {v}",
}


def test_the_forms_are_derived_in_one_place_longest_first():
    found = forms.forms(PW)
    assert found == sorted(found, key=len, reverse=True)
    assert PW in found and repr(PW)[1:-1] in found and ascii(PW)[1:-1] in found
    assert json.dumps(PW)[1:-1] in found and json.dumps(PW, ensure_ascii=False)[1:-1] in found
    assert {quote(PW), quote(PW, safe=""), quote_plus(PW)} <= set(found)
    assert "%2541x" in quote(PW) and "pa\\\\ss" in repr(PW)
    assert forms.forms("plain-Value_1.x~") == ["plain-Value_1.x~"], "nothing to escape: one form"


def test_every_form_of_the_password_is_masked_where_it_shows():
    r = Redactor([PW])
    for how, show in SHOWN.items():
        text = show(PW)
        out = r.redact(text)
        assert MASK in out, (how, out)
        assert not any(p in out for p in PIECES), (how, out)


def test_the_mask_keeps_the_quotes_and_what_is_around():
    r = Redactor([PW])
    assert r.redact(_int_error(PW)) == f"invalid literal for int() with base 10: '{MASK}'"
    assert r.redact(str(DATABASES(PW))) == (
        f"{{'default': {{'ENGINE': 'x', 'NAME': 'shop', 'PASSWORD': '{MASK}'}}}}"
    )
    assert r.redact(json.dumps({"p": PW, "n": 1})) == f'{{"p": "{MASK}", "n": 1}}'


def test_a_key_read_from_a_file_and_a_multi_line_key_are_masked_line_by_line():
    key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0B+/==\nAQEFAASCBKcwggSjAgEAAoIB\n-----END KEY-----\n"
    r = Redactor([PW + "\n", key])
    assert r.redact(f"key {PW}") == f"key {MASK}", "print() of it, split into lines"
    assert r.redact(repr(PW + "\n")) == f"'{MASK}'"
    for line in key.splitlines()[1:3]:
        assert r.redact(f"  {line}") == f"  {MASK}"
    assert Redactor(["ab\n"]).redact("ab cd") == "ab cd", "too short once stripped"


VALUE = st.text(
    st.sampled_from(list("ab12 _-.~\\'\"%öé€😀\n\t\x00/#&=+:@")), min_size=3, max_size=24
).filter(lambda v: v.strip() and not _is_int(v))


def _is_int(v: str) -> bool:
    try:
        int(v)
    except ValueError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(value=VALUE, how=st.sampled_from(sorted(SHOWN)))
def test_any_value_is_masked_in_any_of_the_ways_it_shows(value, how):
    text = SHOWN[how](value)
    out = Redactor([value]).redact(text)
    for inner in (
        value.strip(),
        repr(value)[1:-1],
        ascii(value)[1:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value),
        quote_plus(value),
        quote(value, safe=""),
    ):
        if len(inner) >= 6:  # a short escape ("\\x00") may be part of the text around
            assert inner not in out, (how, inner, out)


def test_the_prefilter_never_skips_a_form():
    # the letters-and-digits run of each part is in each of its forms
    for value in (PW, "x\\y", "%%%%", "ö'é\"ü", "ab\ncd-efgh-ijkl\n"):
        for form, core in forms.with_cores(value):
            assert core in form, (value, form, core)
    assert Masks(["%%%%"])(quote("%%%%")) == MASK, "a value with no letters or digits"


def _raise_in_module(tmp_path, source: str, settings_dir=None) -> BaseException:
    d = settings_dir or tmp_path
    path = d / "settings_mod.py"
    path.write_text(source)
    code = compile(source, str(path), "exec")
    try:
        exec(code, {"__name__": "settings_mod", "__file__": str(path)})
    except Exception as e:
        return e
    raise AssertionError("did not raise")


def test_a_lowercase_helper_of_a_settings_module_is_masked_in_its_exception(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "k").write_text(PW + "\n")
    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    exc = _raise_in_module(
        tmp_path,
        f"BASE_DIR = {str(settings_dir)!r}\nTIME_ZONE = 'Europe/Paris'\n"
        f"_k = open({str(outside / 'k')!r}).read()\nEMAIL_TIMEOUT = int(_k)\n",
        settings_dir,
    )
    r = Redactor()
    r.learn_from(exc, str(settings_dir))
    text = r.describe(exc)
    assert text == (
        f"ValueError: invalid literal for int() with base 10: '{MASK}' "
        f"({settings_dir / 'settings_mod.py'}, line 4)"
    ), text
    assert r.redact(f"later {PW}") == f"later {PW}", "the helper is masked in that message only"


def test_what_stays_readable_in_a_settings_modules_message(tmp_path):
    exc = _raise_in_module(
        tmp_path,
        "import os\nBASE_DIR = os.path.dirname(__file__)\n"
        "INSTALLED_APPS = ['django.contrib.admin']\nSEP = '    '\nLINE = '----'\n"
        "DEBUG = False\n_name = 'DEBUG'\nlang = 'fr'\n_db = {'pw': 'hunter22'}\n"
        "raise ValueError(f'{BASE_DIR}/x.key: {_name} lang={lang} {SEP}|{LINE} '\n"
        "                 f'{INSTALLED_APPS[0]} {_db[\"pw\"]!r}')\n",
    )
    held = sensitive.module_strings(exc, str(tmp_path))
    assert "hunter22" in held, "inside a dict too"
    assert not {str(tmp_path), "    ", "----", "django.contrib.admin", "fr", "_name"} & held
    r = Redactor()
    r.learn_from(exc, str(tmp_path))
    text = r.describe(exc)
    assert text.startswith(
        f"ValueError: {tmp_path}/x.key: DEBUG lang=fr |---- django.contrib.admin"
    )
    assert f"'{MASK}' ({tmp_path}/settings_mod.py, line 10)" in text, text


def test_a_django_settings_module_raising_through_the_project_python(tmp_path):
    """The real path: the project's python imports the settings, they raise,
    and the report says where without the helper's value."""
    repo = os.path.join(os.path.dirname(__file__), "..", "..", "..")
    settings_dir = tmp_path / "s"
    settings_dir.mkdir()
    (tmp_path / "k").write_text(PW)
    (settings_dir / "settings.py").write_text(
        f"SECRET_KEY = 'x' * 50\n_k = open({str(tmp_path / 'k')!r}).read()\n"
        "EMAIL_TIMEOUT = int(_k)\n"
    )
    argv = ["-m", "djops.inproject", "facts", "--settings-dir", str(settings_dir)]
    out = subprocess.run(
        [f"{VENV}/bin/python", *argv],
        env={"PYTHONPATH": f"{settings_dir}:{repo}/src", "DJANGO_SETTINGS_MODULE": "settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(out.stdout.splitlines()[-1])
    assert report["error"] == (
        f"ValueError: invalid literal for int() with base 10: '{MASK}' "
        f"({settings_dir}/settings.py, line 3)"
    ), report
    assert not any(p in out.stdout + out.stderr for p in PIECES)
