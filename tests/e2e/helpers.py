"""Small assertions over the machine's journal, units and SQLite database."""

from __future__ import annotations

import json
import time

from machine import Machine
from provision import mails


def events(
    m: Machine, project: str, event: str, since: str | None = None, job: str | None = None
) -> list[dict]:
    """One project's events of one kind; `job` narrows them to one job's (another
    job's timer, such as a migrated every-5-minutes line, may fire meanwhile)."""
    args = [f"DJOPS_PROJECT={project}", f"DJOPS_EVENT={event}"]
    if job:
        args.append(f"DJOPS_JOB={job}")
    if since:
        args.insert(0, f"--since=@{since}")
    return m.journal(*args)


def now(m: Machine) -> str:
    """The machine's clock, for --since (epoch seconds)."""
    return m.sh("date +%s.%N").stdout.strip()[:17]


def wait_for(
    predicate, timeout: float = 30, interval: float = 0.3, what: str = "condition", explain=None
):
    """`explain()`, on a timeout, adds what the machine said meanwhile to the
    failure (for the next reader of a CI log)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            said = f"\n{explain()}" if explain else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{said}")
        time.sleep(interval)


def watch_log(m: Machine, since: str) -> str:
    """The host watcher's state and its journal since `since`, short."""
    return m.sh(
        "systemctl show -p NRestarts -p StatusText djops-watch; "
        f"journalctl -o short-precise --since=@{since} -u djops-watch -u 'djops-reload@*' "
        "| tail -n 25",
        check=False,
    ).stdout


def sql(m: Machine, db: str, query: str, user: str) -> str:
    return m.sh(f"sqlite3 -batch -cmd '.timeout 10000' {db} \"{query}\"", user=user).stdout.strip()


def add_sessions(m: Machine, db: str, user: str, expired: int, live: int) -> None:
    """Insert expired and live rows the way Django stores them."""
    m.sh(
        f"""sqlite3 -batch -cmd '.timeout 10000' {db} <<'EOF'
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < {expired})
INSERT INTO django_session SELECT 'x' || hex(randomblob(16)), 'e30', strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (60 + i) || ' seconds') FROM n WHERE {expired} > 0;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < {live})
INSERT INTO django_session SELECT 'l' || hex(randomblob(16)), 'e30', datetime('now', '+14 days') FROM n WHERE {live} > 0;
COMMIT;
EOF""",
        user=user,
    )


def counts(m: Machine, db: str, user: str) -> tuple[int, int]:
    out = sql(
        m,
        db,
        "SELECT sum(expire_date < datetime('now')), sum(expire_date >= datetime('now')) "
        "FROM django_session",
        user,
    )
    expired, live = (int(x or 0) for x in out.split("|"))
    return expired, live


def subjects(m) -> list[str]:
    return [str(x["Subject"]) for x in mails(m)]


def wait_mail(m, text: str, timeout: float = 30, after: int = 0):
    """Mails whose subject has `text`, among those after the first `after`."""
    return wait_for(
        lambda: [x for x in mails(m)[after:] if text in str(x["Subject"])],
        timeout=timeout,
        what=f"a mail with {text!r} at the sink",
    )


def queue_run(m) -> None:
    """What djops-mailqueue.timer does every five minutes: a fresh run."""
    wait_for(
        lambda: (
            m.sh("systemctl is-active djops-mailqueue.service", check=False).stdout.strip()
            != "activating"
        ),
        what="the previous queue run to end",
    )
    m.sh("systemctl start djops-mailqueue.service")


RECORDER = """
import http.server, json
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8", "replace")
        with open("@LOG@", "a") as f:
            f.write(json.dumps({"path": self.path, "body": body}) + "\\n")
        self.send_response(200)
        if "@LIMIT@": self.send_header("Ping-Body-Limit", "@LIMIT@")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("@ADDRESS@", @PORT@), H).serve_forever()
"""


def start_recorder(
    m: Machine, name: str, port: int, address: str = "127.0.0.1", limit: str = ""
) -> None:
    """An HTTP server as the unit `name` on `port` that keeps every POST it
    gets in /var/tmp/`name`.jsonl (and answers with Ping-Body-Limit: `limit`,
    if given): a stand-in for healthchecks, or for a webhook Apprise posts to."""
    script = (
        RECORDER.replace("@ADDRESS@", address)
        .replace("@LIMIT@", limit)
        .replace("@PORT@", str(port))
        .replace("@LOG@", f"/var/tmp/{name}.jsonl")
    )
    m.put(f"/root/{name}.py", script)
    m.sh(f"systemd-run --unit={name} python3 /root/{name}.py")
    m.sh(f"for i in $(seq 50); do ss -ltn | grep -q ':{port} ' && exit 0; sleep 0.1; done; exit 1")


def received(m: Machine, name: str) -> list[dict]:
    out = m.sh(f"cat /var/tmp/{name}.jsonl 2>/dev/null || true").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def start_ping_recorder(m: Machine, address: str = "127.0.0.1", limit: str = "") -> None:
    """A healthchecks stand-in on port 8099 that keeps every ping it gets."""
    m.sh("rm -f /var/tmp/ping-recorder.jsonl")
    start_recorder(m, "ping-recorder", 8099, address, limit)


def pings_received(m: Machine) -> list[dict]:
    return received(m, "ping-recorder")


HEALTH = "djops-health.service"  # one per host, every enabled project


def health_of(m: Machine, project: str) -> str:
    """One project's checks as the last round of djops-health.service saw
    them ("service ok, http FAILING x2, ..."): its STATUS= sums up the host,
    the round's detail is in /var/lib/djops/health-P.json."""
    out = m.sh(f"cat /var/lib/djops/health-{project}.json", check=False).stdout
    try:
        checks = json.loads(out).get("checks", {})
    except ValueError:
        return ""
    return ", ".join(
        f"{name} ok" if r.get("ok") else f"{name} FAILING x{r['ladder']['failures']}"
        for name, r in checks.items()
    )
