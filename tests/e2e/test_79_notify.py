"""[notify] urls through Debian's Apprise, to two webhook recorders on the
machine's loopback (json:// and form://): the alert, its recovery and a job
failure arrive once each, typed by severity, as a title and at most five
lines, with no planted secret; a recorder down for a minute loses nothing,
and then gets every message once, in order; a pbul:// token is never shown;
a recorder down past the give-up time gives notify.dropped and a mail."""

import hashlib
import json
import re
import time
import urllib.parse

import pytest
from helpers import events, now, received, start_recorder, wait_for, wait_mail
from provision import mails

JSON, FORM = "notify-json", "notify-form"
# one incident: its alert and recovery name the checks that failed (service,
# http, or http alone when systemd had not yet seen demo.service stop)
WANTED = ["djops-job@demo:leaky.service failed", ": ALERT ", ": recovered "]
CONFIG = """[health]
interval_seconds = 2
warn_after = 1
alert_after = 2
restart_after = 1000
[clearsessions]
schedule = "*-*-* 03:30"
[notify]
urls = ["json://127.0.0.1:8096/hook", "form://127.0.0.1:8095/form"]
[jobs.leaky]
exec = ["/bin/sh", "-c", "echo tail-marker; grep SECRET_KEY /etc/opt/demo/settings.py; exit 4"]
schedule = "weekly"
"""


@pytest.fixture(scope="module", autouse=True)
def recorders(machine):
    m = machine
    m.sh(f"rm -f /var/tmp/{JSON}.jsonl /var/tmp/{FORM}.jsonl")
    start_recorder(m, JSON, 8096)
    start_recorder(m, FORM, 8095)
    m.put("/etc/djops/demo.toml", CONFIG)
    m.sh("djops enable demo")
    yield
    m.sh(f"systemctl stop {JSON} {FORM}", check=False)
    m.sh("systemctl start demo.service")
    m.sh("systemctl reset-failed 'djops-job@demo:leaky.service'", check=False)
    m.put("/etc/djops/demo.toml", "")
    m.sh("djops enable demo")
    m.sh("rm -rf /var/lib/djops/notify/*.json")


def label(url: str) -> str:
    """How djops names a channel: scheme and the first 4 hex of the URL's sha256."""
    return f"{url.split('://')[0]}://…#{hashlib.sha256(url.encode()).hexdigest()[:4]}"


JSON_URL = "json://127.0.0.1:8096/hook"


def notices(m) -> list[dict]:
    """What the json:// recorder got: Apprise's payload (title, message, type)."""
    return [json.loads(r["body"]) for r in received(m, JSON)]


def titles(m, name: str) -> list[str]:
    """What each recorder got, as the djops subject line it carries."""
    out = []
    for r in received(m, name):
        if name == JSON:
            out.append(json.loads(r["body"])["title"])
        else:  # a form post: the title field's value
            out.append(urllib.parse.parse_qs(r["body"])["title"][0])
    return out


def wait_titles(m, name: str, wanted: list[str], timeout: float = 60) -> list[str]:
    def all_there() -> list[str] | None:
        got = titles(m, name)
        return got if all(any(w in t for t in got) for w in wanted) else None

    return wait_for(all_there, timeout=timeout, what=f"{wanted} at {name}")


def secret(m) -> str:
    value = m.sh(
        "sed -n 's/^SECRET_KEY = \"\\(.*\\)\"/\\1/p' /etc/opt/demo/settings.py"
    ).stdout.strip()
    assert len(value) > 20
    return value


def test_alert_recovery_and_job_failure_arrive_once_without_the_secret(machine):
    m = machine
    since = now(m)
    m.sh("djops run demo leaky", check=False)
    m.sh("systemctl stop demo.service")
    wait_for(lambda: events(m, "demo", "health.alert", since), timeout=30, what="the alert")
    m.sh("systemctl start demo.service")
    wanted = WANTED
    for name in (JSON, FORM):
        got = wait_titles(m, name, wanted)
        for w in wanted:
            assert len([t for t in got if w in t]) == 1, (w, got)
        assert got.index(next(t for t in got if ": ALERT " in t)) < got.index(
            next(t for t in got if ": recovered " in t)
        )
        bodies = "".join(r["body"] for r in received(m, name))
        assert secret(m) not in bodies
    assert all(t.startswith("[djops] demo@") for t in titles(m, JSON))
    # typed by severity, a title and at most five lines, the last one says where to read more
    types = {w: [n["type"] for n in notices(m) if w in n["title"]] for w in wanted}
    assert types == {wanted[0]: ["failure"], wanted[1]: ["failure"], wanted[2]: ["success"]}
    for n in notices(m):
        lines = n["message"].strip().split("\n")
        assert 2 <= len(lines) <= 5 and lines[-1].startswith("More: "), n
    [alert] = [n for n in notices(m) if ": ALERT " in n["title"]]
    assert alert["title"].endswith(" failing")
    assert re.match(r"Checks? [a-z, ]+ of demo (is|are) failing", alert["message"]), alert
    assert "Cause: " in alert["message"] and "Since about " in alert["message"]
    # the mail keeps the whole excerpt: the job's output is there
    [failed_mail] = [x for x in mails(m) if "leaky.service failed" in str(x["Subject"])][-1:]
    assert "tail-marker" in failed_mail.get_content()
    m.sh("systemctl reset-failed 'djops-job@demo:leaky.service'")


def test_a_killed_gunicorn_is_two_notices_failure_then_success(machine):
    """Issue 30.7: kill -9 of gunicorn: systemd's failure of demo.service is
    the incident's one failure notice (health's alert is not sent again), its
    recovery the one success notice; nothing in between."""
    m = machine
    # the ladder longer than the failure handler takes to start, as at the
    # default interval (60 s)
    m.put("/etc/djops/demo.toml", CONFIG.replace("alert_after = 2", "alert_after = 4"))
    m.sh("djops enable demo")
    since, before = now(m), len(notices(m))
    pid = m.sh("systemctl show -P MainPID demo.service").stdout.strip()
    assert pid not in ("", "0")
    try:
        m.sh(f"kill -9 {pid}")
        wait_for(lambda: events(m, "demo", "health.alert", since), timeout=30, what="the alert")
        m.sh("systemctl start demo.service")
        wait_for(lambda: events(m, "demo", "health.recovered", since), timeout=30, what="recovery")
        wait_for(lambda: len(notices(m)) >= before + 2, timeout=60, what="two notices")
    finally:
        m.sh("systemctl start demo.service")
        m.put("/etc/djops/demo.toml", CONFIG)
        m.sh("djops enable demo")
    time.sleep(5)  # the drain runs at once: a third notice would be here by now
    got = [(n["title"].split(": ", 1)[1], n["type"]) for n in notices(m)[before:]]
    assert len(got) == 2 and got[0] == ("demo.service failed", "failure"), got
    assert got[1][0].startswith("recovered ") and got[1][1] == "success", got


def test_a_recorder_down_for_a_minute_loses_nothing_and_keeps_the_order(machine):
    m = machine
    since = now(m)
    before = len(titles(m, JSON))
    m.sh(f"systemctl stop {JSON}")
    m.sh("djops run demo leaky", check=False)
    m.sh("systemctl stop demo.service")
    wait_for(lambda: events(m, "demo", "health.alert", since), timeout=30, what="the alert")
    m.sh("systemctl start demo.service")
    wait_for(lambda: events(m, "demo", "health.recovered", since), timeout=30, what="recovery")
    # the other channel is not held up by the one that is down
    wait_titles(m, FORM, [": ALERT ", ": recovered "], timeout=30)
    failed = wait_for(lambda: events(m, "demo", "notify.failed", since), what="notify.failed")
    assert failed[0]["PRIORITY"] == "4" and label(JSON_URL) in failed[0]["MESSAGE"]
    assert failed[0]["DJOPS_URL"] == label(JSON_URL) and "127.0.0.1" not in failed[0]["MESSAGE"]
    status = m.sh("djops status demo").stdout
    form = label("form://127.0.0.1:8095/form")
    assert f"{label(JSON_URL)}, {form}; last delivered" in status, status
    [line] = [ln for ln in status.splitlines() if ln.strip().startswith("notify ")]
    assert re.search(r"; [1-9][0-9]* waiting$", line), status
    m.sh("sleep 45")
    start_recorder(m, JSON, 8096)

    def ours() -> list[str]:
        """Which of WANTED each new title is, in the order they arrived."""
        new = titles(m, JSON)[before:]
        return [w for t in new for w in WANTED if w in t]

    got = wait_for(
        lambda: ours() if len(ours()) >= 3 else None,
        timeout=150,
        what="the three kept notifications",
    )
    assert got == WANTED, got
    m.sh("sleep 3")
    assert ours() == WANTED, "each once"
    failed = [e for e in events(m, "demo", "notify.failed", since) if "json://" in e["MESSAGE"]]
    assert len(failed) == len(titles(m, JSON)) - before, "once per undelivered message"
    m.sh("systemctl reset-failed 'djops-job@demo:leaky.service'")


TOKEN = "o.Zk3TOKENe2eNeverShown4711"
PBUL = f"pbul://{TOKEN}"


def test_a_pbul_token_is_never_shown(machine):
    """Not in status, the journal, the heartbeat, djops check or a config error."""
    m = machine
    since = now(m)
    good = CONFIG.replace("[notify]\nurls = [", f'[notify]\nurls = ["{PBUL}", ')
    m.put("/etc/djops/demo.toml", good)  # 0644: readable by every local user
    m.sh("djops enable demo")
    m.sh("djops run demo leaky", check=False)
    wait_for(lambda: events(m, "demo", "notify.failed", since), timeout=60, what="notify.failed")
    shown = {"status": m.sh("djops status demo").stdout}
    assert label(PBUL) in shown["status"], shown["status"]
    check = m.sh("djops check demo", check=False)
    shown["check"] = check.stdout + check.stderr
    assert "chmod 0640 /etc/djops/demo.toml" in shown["check"], shown["check"]
    before = len(mails(m))
    m.sh("djops heartbeat demo")
    [beat] = wait_mail(m, "heartbeat", timeout=60, after=before)
    assert label(PBUL) in beat.get_content()
    shown["mail"] = "".join(str(x["Subject"]) + x.get_content() for x in mails(m))
    errors = []
    for key, bad in (
        ("[notify] urls", f'[notify]\nurls = ["{PBUL} x"]\n'),
        ("[health] ping_url", f'[health]\nping_url = "{PBUL}"\n'),
    ):
        m.put("/etc/djops/demo.toml", bad)
        r = m.sh("djops check demo", check=False)
        assert r.returncode == 2 and f"/etc/djops/demo.toml: {key}: expected" in r.stderr
        errors.append(r.stdout + r.stderr)
    shown["errors"] = "\n".join(errors)
    m.put("/etc/djops/demo.toml", good, mode=0o640)
    shown["journal"] = m.sh(f"journalctl --since=@{since} -o json").stdout
    assert events(m, "demo", "heartbeat.sent", since)
    for where, text in shown.items():
        assert TOKEN not in text, where
    m.put("/etc/djops/demo.toml", CONFIG)
    m.sh("djops enable demo")
    m.sh("systemctl reset-failed 'djops-job@demo:leaky.service'", check=False)


GIVE_UP = "/etc/systemd/system/djops-notify.service.d/50-give-up.conf"


def test_a_recorder_down_past_the_give_up_time_gives_notify_dropped(machine):
    m = machine
    m.put(GIVE_UP, "[Service]\nEnvironment=DJOPS_GIVE_UP_SECONDS=20\n")
    # loaded first: a start from here on has it (a run going on does not)
    m.sh("systemctl daemon-reload && systemctl stop djops-notify.service")
    try:
        m.sh("rm -f /var/lib/djops/notify/*.json")
        since = now(m)
        m.sh(f"systemctl stop {JSON}")
        m.sh("djops run demo leaky", check=False)
        [dropped] = wait_for(
            lambda: [
                e
                for e in events(m, "demo", "notify.dropped", since)
                if e["DJOPS_URL"] == label(JSON_URL)
            ],
            timeout=120,
            what="notify.dropped",
        )
        assert dropped["PRIORITY"] == "2" and dropped["DJOPS_COUNT"] == "1", dropped
        assert "undelivered for 20 s" in dropped["MESSAGE"] and "8096" not in dropped["MESSAGE"]
        [mail] = wait_mail(m, f"DROPPED 1 notification to {label(JSON_URL)}")
        assert "leaky.service failed" in mail.get_content()
        left = m.sh("cat /var/lib/djops/notify/*.json 2>/dev/null || true").stdout
        assert "8096" not in left, "the dropped notice is gone"
    finally:
        m.sh(
            f"rm -r {GIVE_UP.rsplit('/', 1)[0]} && systemctl daemon-reload"
        )  # the drop-in directory too
        start_recorder(m, JSON, 8096)
        m.sh("systemctl reset-failed 'djops-job@demo:leaky.service'", check=False)
