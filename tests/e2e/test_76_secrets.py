"""Secrets masked from the values Django loaded (Django's own sensitive-
settings rule), not only from what the settings text shows: a password set
by subscript, a key from an environment default and a value read from a file
at import time never reach the journal, a job's relayed output, `djops run`,
a failure mail, a job's output mail, a ping body, an Apprise notice, or a
rejected reload's reason. Nor does a password with a backslash, both quote
kinds, non-ASCII letters and a '%', in any of its escaped forms (repr,
ascii, JSON, URL-quoted, a traceback), nor a string a raising settings
module held in a lowercase helper."""

import json
import secrets
import string

import pytest
from helpers import (
    events,
    now,
    pings_received,
    received,
    start_ping_recorder,
    start_recorder,
    wait_for,
    wait_mail,
    watch_log,
)
from provision import mails

SETTINGS = "/etc/opt/demo/settings.py"
ALPHABET = string.ascii_lowercase + string.digits + "!@#$%^&*(-_=+)"


def generated() -> str:
    """Like Django's get_random_secret_key(): # ( = and % included."""
    return "".join(secrets.choice(ALPHABET) for _ in range(50))


PW, TOKEN, FILEKEY = generated(), generated(), generated()
# letters and digits are never escaped: a form of WEIRD left anywhere shows its
# mark; WEIRD is read from a file outside the settings directory (the static
# scan of that directory cannot find it), HELPER by a lowercase helper
MARK, HELPER_MARK = secrets.token_hex(8), secrets.token_hex(8)
WEIRD = f"pa\\ss'w\"ördé%41x{MARK}"
HELPER = f"hé\\lp'er\"%41{HELPER_MARK}"
WEIRD_FILE, HELPER_FILE = "/etc/opt/demo-weird.pw", "/etc/opt/demo-helper.pw"
FORMS = """
import json, sys, traceback
from urllib.parse import quote, quote_plus
import django
django.setup()
from django.conf import settings
pw = settings.SHOP_DB_PASSWORD
DATABASES = {"default": {"NAME": "shop", "PASSWORD": pw}}
print("raw", pw); print("repr", repr(pw)); print("ascii", ascii(pw))
print(DATABASES); print(ascii(DATABASES)); print(repr(pw.encode()))
print(json.dumps(DATABASES)); print(json.dumps(DATABASES, ensure_ascii=False))
print(quote(pw), quote(pw, safe=""), quote_plus(pw))
try:
    int(pw)
except ValueError as e:
    traceback.print_exc(file=sys.stdout)
    print(repr(e)); print(json.dumps({"error": str(e)}))
sys.exit(int(sys.argv[1]) if sys.argv[1:] else 3)
"""
EXTRA = f"""
# shapes a static scan of this text cannot see as secrets
DATABASES["default"]["PASSWORD"] = {PW!r}
import os as _os
_os.environ.setdefault("DEMO_API_TOKEN", {TOKEN!r})
SHOP_API_TOKEN = _os.environ["DEMO_API_TOKEN"]
with open("/etc/opt/demo/shop.key") as _f:
    SHOP_SIGNING_KEY = _f.read().strip()
with open({WEIRD_FILE!r}, encoding="utf-8") as _f:
    SHOP_DB_PASSWORD = _f.read().strip()
"""
LEAK = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print('pw', s.DATABASES['default']['PASSWORD']); print('token', s.SHOP_API_TOKEN); "
    "print('key', s.SHOP_SIGNING_KEY); raise SystemExit(3)"
)
CONFIG = f"""[health]
interval_seconds = 5
[watch]
debounce_seconds = 0.5
[clearsessions]
schedule = "*-*-* 03:30"
[notify]
urls = ["json://127.0.0.1:8094/secrets"]
[jobs.leak]
exec = ["/opt/demo/venv/bin/python", "-c", "{LEAK}"]
schedule = "weekly"
ping_url = "http://127.0.0.1:8099/ping/leak"
[jobs.forms]
exec = ["/opt/demo/venv/bin/python", "/usr/local/lib/djops-e2e-forms.py"]
schedule = "weekly"
ping_url = "http://127.0.0.1:8099/ping/forms"
[jobs.formsok]
exec = ["/opt/demo/venv/bin/python", "/usr/local/lib/djops-e2e-forms.py", "0"]
schedule = "weekly"
mail_output = "always"
"""
NOTIFY = "notify-secrets"  # the json:// recorder: what Apprise posts, as sent
VALUES = (PW, TOKEN, FILEKEY, MARK, HELPER_MARK)


def _write_settings(machine, text: str) -> None:
    machine.put("/root/settings.new", text)
    machine.sh(f"install -m 0640 -o root -g demo /root/settings.new {SETTINGS}")


@pytest.fixture(scope="module", autouse=True)
def loaded_secrets(machine):
    original = machine.sh(f"cat {SETTINGS}").stdout
    machine.put("/root/shop.key", FILEKEY + "\n")
    machine.sh("install -m 0640 -o root -g demo /root/shop.key /etc/opt/demo/shop.key")
    for path, value in ((WEIRD_FILE, WEIRD), (HELPER_FILE, HELPER)):
        machine.put("/root/value.pw", value + "\n")
        machine.sh(f"install -m 0640 -o root -g demo /root/value.pw {path}")
    machine.put("/usr/local/lib/djops-e2e-forms.py", FORMS)
    start_ping_recorder(machine)
    machine.sh(f"rm -f /var/tmp/{NOTIFY}.jsonl")
    start_recorder(machine, NOTIFY, 8094)
    machine.put("/etc/djops/demo.toml", CONFIG)
    machine.sh("djops enable demo")
    since = now(machine)
    _write_settings(machine, original + EXTRA)
    # the reload of this save, not one the key files above started
    wait_for(
        lambda: [
            e
            for e in events(machine, "demo", "reload.applied", since)
            if "settings.py" in e.get("DJOPS_CHANGED", "")
        ],
        timeout=60,
        what="reload",
    )
    yield original
    machine.sh(f"systemctl stop ping-recorder {NOTIFY}", check=False)
    _write_settings(machine, original)
    machine.sh("rm -f /etc/opt/demo/shop.key /root/shop.key /root/settings.new /root/value.pw")
    machine.sh(f"rm -f {WEIRD_FILE} {HELPER_FILE} /usr/local/lib/djops-e2e-forms.py")
    machine.put("/etc/djops/demo.toml", "")
    machine.sh("djops enable demo; systemctl reset-failed 'djops-*'", check=False)
    machine.sh("rm -rf /var/lib/djops/notify/*.json")  # nothing left for a recorder that is gone


def _clean(text: str, where: str) -> None:
    for v in VALUES:
        assert v not in text, f"a loaded secret in {where}"


def _notices(machine) -> list[dict]:
    """What Apprise posted to the json:// recorder (title, message, type)."""
    return [json.loads(r["body"]) for r in received(machine, NOTIFY)]


def _notices_clean(machine) -> None:
    for r in received(machine, NOTIFY):  # the body as posted, before any decoding
        _clean(r["body"], "an Apprise notice")


def test_roots_store_is_roots_alone(machine):
    out = machine.sh("stat -c '%U %a' /var/lib/djops/secrets-demo.json").stdout.split()
    assert out == ["root", "600"]


def test_a_jobs_output_is_masked_everywhere_it_goes(machine):
    after = len(mails(machine))
    r = machine.sh("djops run demo leak", check=False)
    assert r.returncode == 1
    assert "pw ********" in r.stdout and "token ********" in r.stdout, r.stdout
    _clean(r.stdout + r.stderr, "djops run's output")
    _clean(machine.sh("journalctl -u 'djops-job@demo:leak.service' -o cat").stdout, "journal")
    [mail] = wait_mail(machine, "djops-job@demo:leak.service failed", after=after)
    body = mail.get_body(("plain",)).get_content()
    assert "key ********" in body
    _clean(body, "the failure mail")
    [ping] = wait_for(
        lambda: [p for p in pings_received(machine) if p["path"].startswith("/ping/leak/3")],
        what="the failure ping",
    )
    assert "pw ********" in ping["body"]
    _clean(ping["body"], "the ping body")
    machine.sh("systemctl reset-failed 'djops-job@demo:leak.service'")


def test_a_value_inside_a_settings_exception_is_masked(machine, loaded_secrets):
    broken = PW[::-1] + "x"  # a new password, in a file that raises while loading
    text = loaded_secrets + EXTRA.replace(repr(PW), repr(broken))
    text += 'CONN_MAX_AGE = int(DATABASES["default"]["PASSWORD"])\n'
    since = now(machine)
    _write_settings(machine, text)
    [rejected] = wait_for(
        lambda: events(machine, "demo", "reload.rejected", since),
        timeout=60,
        what="rejection",
        explain=lambda: watch_log(machine, since),
    )
    assert "ValueError" in rejected["DJOPS_REASON"] and "********" in rejected["DJOPS_REASON"]
    assert broken not in rejected["MESSAGE"] + rejected["DJOPS_REASON"]
    for cmd in ("djops reload demo", "djops status demo", "djops check demo"):
        r = machine.sh(cmd, check=False)
        assert broken not in r.stdout + r.stderr, cmd
        _clean(r.stdout + r.stderr, cmd)
    _write_settings(machine, loaded_secrets + EXTRA)
    wait_for(lambda: events(machine, "demo", "reload.applied", since), timeout=60, what="reload")
    journal = machine.sh("journalctl -o cat --no-pager").stdout
    assert broken not in journal
    _clean(journal, "the whole journal")
    for m in mails(machine):
        _clean(m.as_string(), f"the mail {m['Subject']}")
        assert broken not in m.as_string()


def _mail_text(m) -> str:
    body = m.get_body(("plain",))
    return m.as_string() + (body.get_content() if body is not None else "")


def test_every_escaped_form_of_a_password_is_masked_in_a_jobs_outputs(machine):
    after = len(mails(machine))
    r = machine.sh("djops run demo forms", check=False)
    assert r.returncode == 1, r.stdout + r.stderr
    out = r.stdout + r.stderr
    assert "raw ********" in out and "repr '********'" in out, out
    assert "'PASSWORD': '********'" in out and '"PASSWORD": "********"' in out, out
    assert "ValueError: invalid literal for int() with base 10: '********'" in out, out
    _clean(out, "djops run's output")
    _clean(machine.sh("journalctl -u 'djops-job@demo:forms.service' -o cat").stdout, "journal")
    _clean(
        machine.sh("journalctl -u 'djops-job@demo:forms.service' -o json").stdout,
        "the journal's JSON",
    )
    [mail] = wait_mail(machine, "djops-job@demo:forms.service failed", after=after)
    assert "raw ********" in mail.get_body(("plain",)).get_content()
    _clean(_mail_text(mail), "the failure mail")
    [ping] = wait_for(
        lambda: [p for p in pings_received(machine) if p["path"].startswith("/ping/forms/3")],
        what="the failure ping",
    )
    assert "repr '********'" in ping["body"], ping["body"]
    _clean(ping["body"], "the ping body")
    wait_for(
        lambda: [
            n for n in _notices(machine) if "djops-job@demo:forms.service failed" in n["title"]
        ],
        what="the failure's Apprise notice",
    )
    _notices_clean(machine)
    for cmd in ("djops history demo", "djops history demo forms --json", "djops status demo"):
        r = machine.sh(cmd, check=False)
        _clean(r.stdout + r.stderr, cmd)
    machine.sh("systemctl reset-failed 'djops-job@demo:forms.service'")


def test_every_escaped_form_of_a_password_is_masked_in_a_jobs_output_mail(machine):
    """mail_output = "always": a successful run's output is mailed (what
    cron's MAILTO did), each line as the relay masked it and again by root."""
    after = len(mails(machine))
    r = machine.sh("djops run demo formsok", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    _clean(r.stdout + r.stderr, "djops run's output")
    [mail] = wait_mail(machine, "job formsok output", after=after)
    body = mail.get_body(("plain",)).get_content()
    assert "raw ********" in body and "repr '********'" in body, body
    assert '"PASSWORD": "********"' in body and "'PASSWORD': '********'" in body, body
    _clean(_mail_text(mail), "the job's output mail")
    for cmd in ("djops history demo formsok", "djops history demo formsok --json"):
        r = machine.sh(cmd, check=False)
        _clean(r.stdout + r.stderr, cmd)


def test_a_raising_settings_module_never_shows_its_strings_or_escaped_secrets(
    machine, loaded_secrets
):
    """`int()` of a lowercase helper's value, then of the odd password."""
    lines = (loaded_secrets + EXTRA).count("\n")
    for tail, line in (
        (f"_k = open({HELPER_FILE!r}, encoding='utf-8').read()\nEMAIL_TIMEOUT = int(_k)\n", 2),
        ("EMAIL_TIMEOUT = int(SHOP_DB_PASSWORD)\n", 1),
    ):
        since = now(machine)
        _write_settings(machine, loaded_secrets + EXTRA + tail)
        [rejected] = wait_for(
            lambda since=since: events(machine, "demo", "reload.rejected", since),
            timeout=60,
            what="rejection",
        )
        reason = rejected["DJOPS_REASON"]
        assert reason.startswith("ValueError: invalid literal for int() with base 10: '********'")
        assert reason.endswith(f"({SETTINGS}, line {lines + line})"), reason
        _clean(rejected["MESSAGE"] + reason, "reload.rejected")
        for cmd in ("djops reload demo", "djops status demo", "djops check demo", "djops status"):
            r = machine.sh(cmd, check=False)
            _clean(r.stdout + r.stderr, cmd)
    since = now(machine)
    _write_settings(machine, loaded_secrets + EXTRA)
    wait_for(lambda: events(machine, "demo", "reload.applied", since), timeout=60, what="reload")
    _clean(machine.sh("journalctl -o cat --no-pager").stdout, "the whole journal")
    _clean(machine.sh("journalctl -o json --no-pager").stdout, "the whole journal's JSON")
    for m in mails(machine):
        _clean(_mail_text(m), f"the mail {m['Subject']}")
    _notices_clean(machine)  # every notice this module's failures sent
