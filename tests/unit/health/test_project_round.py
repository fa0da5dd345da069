"""The health round: probes, ladder, state and mail, with the outside faked."""

import time

import pytest
from fakejournal import Journal

from djops import config, paths
from djops.health import probes, project_round, state


@pytest.fixture
def world(project, tmp_path, monkeypatch, sent):
    """Scripted probe results; mails and restarts recorded instead of sent."""
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()
    paths.private_run_dir().mkdir(mode=0o700, parents=True)  # planned windows
    script = {"service": [], "disk": []}
    mails, restarts = [], []

    def fake_run(name, cfg):
        results = script.get(name) or [(True, f"{name} fine")]
        return results.pop(0) if len(results) > 1 else results[0]

    monkeypatch.setattr(probes, "enabled", lambda cfg: ["service", "disk"])
    monkeypatch.setattr(probes, "run", fake_run)
    monkeypatch.setattr(
        project_round.notices,
        "send",
        lambda cfg, kind, subject, body, *_, **__: mails.append((kind, subject, body)),
    )

    class Proc:
        returncode, stderr = 0, ""

    monkeypatch.setattr(
        project_round.systemctl, "run", lambda *a, **k: restarts.append(a) or Proc()
    )
    monkeypatch.setattr(project_round.bulk, "show_each", lambda *a, **k: {})
    real = project_round.textfile.wanted  # never the host's own node-exporter directory
    monkeypatch.setattr(
        project_round.textfile, "wanted", lambda d: d.startswith("/tmp") and real(d)
    )
    cfg = config.load(project, live=False)
    return cfg, script, mails, restarts


def test_the_alert_mail_shows_this_rounds_count(world, sent):
    cfg, script, mails, _ = world
    script["service"] = [(False, "p.service failed (failed)")] * 3
    h = project_round.Health(cfg)
    for _ in range(3):
        h.round()
    [(kind, subject, body)] = mails
    assert kind == "alert" and "ALERT service failing" in subject
    assert "(3x)" in body and "All checks now: service FAILING x3, disk ok" in body
    events = [f["DJOPS_EVENT"] for _, f in sent]
    assert events == ["health.degraded", "health.alert"]


def test_the_ladder_is_saved_before_acting_so_a_crash_replays_nothing(world, monkeypatch):
    cfg, script, _, _ = world
    script["service"] = [(False, "down")] * 3
    h = project_round.Health(cfg)
    h.round()
    h.round()

    def crash(*a):
        raise RuntimeError("killed while mailing")

    monkeypatch.setattr(project_round.notices, "incident_mail", crash)
    with pytest.raises(RuntimeError):
        h.round()
    saved = state.read(cfg.name)["incident"]["ladder"]
    assert saved["failures"] == 3 and saved["alerted"]
    assert state.read(cfg.name)["checks"]["service"]["ladder"]["failures"] == 3
    again = project_round.Health(cfg)  # systemd restarted it
    monkeypatch.undo()
    assert again.incident.ladder.failures == 3 and again.incident.ladder.alerted


def test_no_room_for_the_alert_mail_is_logged_and_retried(world, monkeypatch, sent):
    cfg, script, mails, _ = world
    script["service"] = [(False, "down")] * 5
    full = {"on": True}
    real_send = project_round.notices.send

    def send(*a, **k):
        if full["on"]:
            raise OSError(28, "No space left on device")
        real_send(*a, **k)

    monkeypatch.setattr(project_round.notices, "send", send)
    h = project_round.Health(cfg)
    for _ in range(3):
        h.round()
    assert mails == []
    [failed] = [f for _, f in sent if f["DJOPS_EVENT"] == "mail.failed"]
    assert failed["PRIORITY"] == "2" and "No space left" in failed["DJOPS_REASON"]
    full["on"] = False
    h.round()
    assert [m[0] for m in mails] == ["alert"], "sent once there is room, exactly once"


def test_a_full_disk_never_stops_the_rounds(world, monkeypatch, sent):
    cfg, *_ = world

    def no_room(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(state, "save", no_room)
    h = project_round.Health(cfg)
    h.round()
    h.round()
    assert [f["DJOPS_EVENT"] for _, f in sent] == ["state.failed"], "once, not every round"


def test_the_state_is_synced_to_disk_only_when_the_incident_moved(world, monkeypatch):
    """A round that only says "still ok" is rewritten next minute; a step of
    the ladder must survive a power cut."""
    cfg, script, _, _ = world
    synced: list[bool] = []
    save = state.save
    monkeypatch.setattr(
        state,
        "save",
        lambda p, data, durable=True: synced.append(durable) or save(p, data, durable),
    )
    script["service"] = [(True, "ok")] * 3 + [(False, "p.service failed (failed)")] * 2
    h = project_round.Health(cfg)
    for _ in range(5):
        h.round()
    assert synced == [True, False, False, True, True]
    assert state.read(cfg.name)["incident"]["streaks"] == {"service": 2}


def test_a_restart_is_queued_once_per_outage(world):
    cfg, script, _, restarts = world
    script["service"] = [(False, "down")] * 7 + [(True, "up")]
    h = project_round.Health(cfg)
    for _ in range(8):
        h.round()
    assert restarts == [("restart", "--no-block", "p.service")]


def test_service_and_http_failing_together_queue_one_restart(world, monkeypatch, sent):
    """gunicorn down fails both, a round apart: one incident, one restart (a
    second queued behind the first would stop the service it just healed)."""
    cfg, script, _, restarts = world
    monkeypatch.setattr(probes, "enabled", lambda cfg: ["service", "http"])
    # http's ladder one round behind service's (systemd saw gunicorn die first)
    script["service"] = [(False, "down")] * 7 + [(True, "up")] * 2 + [(False, "down")] * 8
    script["http"] = [(True, "ok")] + [(False, "refused")] * 6 + [(True, "ok")] * 2
    script["http"] += [(False, "refused")] * 8
    h = project_round.Health(cfg)
    for _ in range(7):
        h.round()
    assert restarts == [("restart", "--no-block", "p.service")]
    said = [f["DJOPS_REASON"] for _, f in sent if f["DJOPS_EVENT"] == "health.restarted"]
    assert len(said) == 1 and "service: down; http: refused" in said[0], said
    for _ in range(10):  # all well, then a new outage: its own restart
        h.round()
    assert len(restarts) == 2


@pytest.mark.parametrize(
    "garbage",
    [b"", b'{"updated": 1, "chec', b"\x00\xff", b"[1, 2]", b'{"checks": {"service": "x"}}'],
)
def test_a_garbage_state_file_is_said_and_ignored(world, sent, garbage):
    cfg, script, *_ = world
    state.path(cfg.name).write_bytes(garbage)
    h = project_round.Health(cfg)
    ignored = [f for _, f in sent if f["DJOPS_EVENT"] == "state.ignored"]
    if garbage.startswith(b'{"checks"'):  # valid JSON, odd content: per key
        assert ignored == [] and h.incident.ladder.failures == 0
    else:
        assert len(ignored) == 1 and ignored[0]["PRIORITY"] == "4"
    script["service"] = [(False, "down")]
    h.round()
    assert state.read(cfg.name)["checks"]["service"]["ladder"]["failures"] == 1


def test_a_check_comes_and_goes_with_the_settings(world, monkeypatch, sent):
    """The settings move to a database server: its check starts with the next
    round, and a database check never restarts the service."""
    cfg, script, _, restarts = world
    checks = ["service", "disk"]
    monkeypatch.setattr(probes, "enabled", lambda cfg: list(checks))
    script["database"] = [(False, "postgresql at /run/x: Connection refused")] * 6
    h = project_round.Health(cfg)
    h.round()
    assert "database" not in h.status()
    checks.append("database")
    for _ in range(6):
        h.round()
    assert "database FAILING x6" in h.status()
    assert restarts == [], "a restart of P cannot heal the database"
    ladder = [f["DJOPS_EVENT"] for _, f in sent if f.get("DJOPS_CHECK") == "database"]
    assert ladder == ["health.degraded", "health.alert"]  # no health.restarted
    checks.remove("database")
    h.round()
    assert "database" not in h.status()


def test_each_round_writes_the_metrics_and_a_failure_is_logged_once(
    world, tmp_path, monkeypatch, sent
):
    from djops.metrics import collect, textfile

    cfg, _, _, _ = world
    out = tmp_path / "node-exporter"
    out.mkdir()
    path = cfg.path
    path.write_text(path.read_text() + f'[metrics]\ntextfile_dir = "{out}"\n')
    cfg = config.load(cfg.name, live=False)
    monkeypatch.setattr(
        collect,
        "families",
        lambda c, checks, now, policy=None: [
            textfile.Family("djops_t", "t", samples=[({"project": c.name}, float(len(checks)))])
        ],
    )
    h = project_round.Health(cfg)
    h.round()
    assert (
        (out / f"djops_{cfg.name}.prom")
        .read_text()
        .endswith(f'djops_t{{project="{cfg.name}"}} 2\n')
    )
    target = out / f"djops_{cfg.name}.prom"
    target.unlink()
    target.mkdir()  # a rename over it fails, even for root
    h.round()
    h.round()
    failed = [f for _, f in sent if f.get("DJOPS_EVENT") == "metrics.failed"]
    assert len(failed) == 1 and failed[0]["PRIORITY"] == "4"


def test_a_site_failing_with_its_database_is_not_restarted_and_names_the_cause(
    world, monkeypatch, sent
):
    """Issue 19.6: the database down, http answers 500: one incident, its
    cause the database, no restart while it fails; the lines, the alert mail
    and `djops status` name the cause. Once it is back the site gets a round
    to reconnect; still failing after that, it gets its restart."""
    cfg, script, mails, restarts = world
    monkeypatch.setattr(probes, "enabled", lambda cfg: ["service", "http", "database"])
    down = "postgresql at 127.0.0.1:5432: Connection refused"
    script["http"] = [(False, "GET http://127.0.0.1:8000/: HTTP 500")] * 8 + [(True, "HTTP 200")]
    script["service"] = [(False, "p.service failed (failed)")] * 6 + [(True, "active")]
    script["database"] = [(False, down)] * 6 + [(True, "accepts connections")]
    h = project_round.Health(cfg)
    for _ in range(6):
        h.round()
    assert restarts == []
    lines = [f for _, f in sent if f["DJOPS_EVENT"].startswith("health.")]
    assert [f["DJOPS_EVENT"] for f in lines] == [
        "health.degraded",
        "health.alert",
        "health.restart_held",
    ]
    assert all(f["DJOPS_CHECK"] == "database,service,http" for f in lines)
    assert all(f["DJOPS_CAUSE"] == "database" and down in f["DJOPS_REASON"] for f in lines)
    assert len({f["DJOPS_INCIDENT"] for f in lines}) == 1
    assert "which a restart of p.service cannot heal" in lines[-1]["DJOPS_REASON"]
    [(_, subject, alert)] = mails
    assert subject == "ALERT database, service, http failing"
    assert "cause: database" in alert and down in alert
    assert "cause: check database" in state.read(cfg.name)["checks"]["http"]["detail"]
    h.round()  # the database is back: the site gets this round to reconnect
    assert restarts == []
    assert "database failing until this round (" in h.results["http"]["detail"]
    h.round()  # http still fails without the database's excuse: the one restart
    assert restarts == [("restart", "--no-block", "p.service")]
    [restarted] = [f for _, f in sent if f["DJOPS_EVENT"] == "health.restarted"]
    assert restarted["DJOPS_CHECK"] == "http" and restarted["DJOPS_CAUSE"] == "http"
    assert restarted["DJOPS_INCIDENT"] == lines[0]["DJOPS_INCIDENT"]


def test_a_gunicorn_crash_is_one_alert_one_restart_one_recovery_in_one_thread(
    world, monkeypatch, sent
):
    """Issue 30.1: service and http fail together; one incident. The restart
    djops makes opens a planned window, so what it does to service and http
    while gunicorn comes back is no failure."""
    from djops.health import planned

    cfg, script, _, restarts = world
    monkeypatch.setattr(probes, "enabled", lambda cfg: ["service", "http", "disk"])
    threads = []
    monkeypatch.setattr(
        project_round.notices,
        "send",
        lambda cfg, kind, subject, body, *a, thread=None, **k: threads.append((kind, thread)),
    )
    script["service"] = [(False, "p.service failed (failed)")] * 5 + [
        (False, "p.service activating (start)"),
        (True, "active"),
    ]
    script["http"] = [(False, "Connection refused")] * 6 + [(True, "HTTP 200")]
    h = project_round.Health(cfg)
    for _ in range(5):
        h.round()
    assert restarts == [("restart", "--no-block", "p.service")]
    assert planned.active(cfg.name) == "self-healing restart"
    h.round()  # gunicorn starting: djops' own doing
    assert "(planned: self-healing restart)" in h.results["http"]["detail"]
    h.round()
    events = [(f["DJOPS_EVENT"], f["DJOPS_CHECK"]) for _, f in sent]
    assert events == [
        ("health.degraded", "service,http"),
        ("health.alert", "service,http"),
        ("health.restarted", "service,http"),
        ("health.recovered", "service,http"),
    ]
    assert {f["DJOPS_CAUSE"] for _, f in sent} == {"service"}
    [alert, recovery] = threads
    assert alert[0] == "alert" and recovery[0] == "recovery"
    root = alert[1]["Message-Id"]
    assert root.startswith(f"<djops.{cfg.name}.") and recovery[1]["In-Reply-To"] == root
    assert state.read(cfg.name)["incident"]["id"] == ""


def test_a_reload_seen_by_a_round_is_no_failure(world, monkeypatch, sent):
    from djops.health import planned

    cfg, script, mails, restarts = world
    script["service"] = [(False, "p.service deactivating (stop-sigterm)")] * 3 + [(True, "up")]
    h = project_round.Health(cfg)
    with planned.window(cfg.name, 300, "reload (restart)"):
        h.round()
        assert "service FAILING x0" in h.status()
    # closed a second ago: the round's unit state may be a read shared with
    # a round that began before it closed (health.host), so it is excused
    planned.mark(cfg.name, 300, "reload (handover)")
    planned.clear(cfg.name, now=time.time() - 1)
    h.round()
    assert sent == [] and "service FAILING x0" in h.status()
    planned.clear(cfg.name, now=time.time() - project_round.STATE_AGE - 1)
    h.round()  # the window closed before any state this round may read: it counts
    assert [f["DJOPS_EVENT"] for _, f in sent] == ["health.degraded"]
    h.round()
    assert [f["DJOPS_EVENT"] for _, f in sent][-1] == "health.recovered"
    assert mails == [] and restarts == []


def test_an_outage_under_0_1s_per_check_ladders_goes_on_as_one_incident(world, sent):
    """Upgraded mid-outage: the alert and the restart of 0.1 are not made again."""
    cfg, script, mails, restarts = world
    ladder = {"failures": 6, "restarted": True, "alerted": True, "last_reminder": 9e9}
    state.save(
        cfg.name,
        {
            "updated": 1.0,
            "checks": {
                "service": {"ok": False, "detail": "down", "at": 1.0, "ladder": ladder},
                "disk": {"ok": True, "detail": "fine", "at": 1.0, "ladder": {"failures": 0}},
            },
        },
    )
    script["service"] = [(False, "down")] * 2 + [(True, "up")]
    h = project_round.Health(cfg)
    h.round()
    h.round()
    assert restarts == [] and mails == []
    h.round()
    assert [f["DJOPS_EVENT"] for _, f in sent] == ["health.recovered"]
    assert [m[0] for m in mails] == ["recovery"]


def test_a_round_asks_each_unit_its_own_kinds_properties_and_starts_no_process(
    project, confdir, tmp_path, monkeypatch, sent
):
    """Every property a round reads is in its one read, and nothing more: a
    property missing there made a `systemctl show` per job and round, one
    more there a question to PID 1 per unit and round."""
    path = confdir / "p.toml"
    path.write_text(
        path.read_text() + '[jobs.index]\ncommand = ["index"]\nschedule = "*:0/10"\n'
        "max_runtime_seconds = 60\nalert_after = 2\n"
    )
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()
    asked: dict = {}

    def show_each(asks, utc=False, timeout=30.0, memory=None):
        assert memory is project_round.MEMORY, "the daemon keeps what it read"
        asked.update(asks)
        return {
            u: {"Id": u, **{p: "active" if p == "ActiveState" else "0" for p in props}}
            for u, props in asks.items()
        }

    Journal().install(monkeypatch)  # no run logged yet
    ran: list = []
    monkeypatch.setattr(project_round.bulk, "show_each", show_each)
    monkeypatch.setattr(project_round.systemctl, "run", lambda *a, **k: ran.append(a))
    monkeypatch.setattr(probes, "enabled", lambda cfg: ["service", "clearsessions", "jobs"])
    lapses = project_round.lapses
    for held in ("_logged", "_periods", "_failures", "_expected"):  # this round's own
        monkeypatch.setattr(lapses, held, type(getattr(lapses, held))())
    monkeypatch.setattr(project_round.lapses, "STARTED", time.time())  # as watching() does
    monkeypatch.setattr(project_round.lapses, "LOGGING", True)
    project_round.Health(config.load(project, live=False)).round()
    assert [a for a in ran if a and a[0] == "show"] == []
    assert "LastTriggerUSec" not in asked["djops-job@p:index.service"]
    assert "ExecMainStartTimestampMonotonic" not in asked["djops-job@p:index.timer"]


def _sends(monkeypatch):
    out = []
    monkeypatch.setattr(
        project_round.notices,
        "send",
        lambda cfg, kind, subject, body, *a, thread=None, **k: out.append((kind, thread)),
    )
    return out


def test_p_services_failure_mail_is_the_incidents_alert_and_health_answers_it(
    world, monkeypatch, sent
):
    """Issue 30.1: systemd's OnFailure= mail of P.service went out at once;
    the ladder's alert is logged but not mailed again, the recovery answers it."""
    from djops.mail import threads

    cfg, script, _, _ = world
    failed = f"<djops.{cfg.name}.failed-0123456789ab@h>"
    assert threads.open_by_failure(cfg.name, failed)
    out = _sends(monkeypatch)
    script["service"] = [(False, "p.service failed (failed)")] * 5 + [(True, "active")]
    h = project_round.Health(cfg)
    for _ in range(6):
        h.round()
    events = [f["DJOPS_EVENT"] for _, f in sent]
    assert events == ["health.degraded", "health.alert", "health.restarted", "health.recovered"]
    assert out == [("recovery", {"In-Reply-To": failed, "References": failed})]
    assert threads.read(cfg.name) is None


def test_a_failure_mail_is_answered_even_when_the_site_is_back_before_the_alert(
    world, monkeypatch, sent
):
    from djops.mail import threads

    cfg, script, _, _ = world
    failed = f"<djops.{cfg.name}.failed-0123456789ab@h>"
    threads.open_by_failure(cfg.name, failed, now=time.time() - 60)
    out = _sends(monkeypatch)
    script["service"] = [(False, "p.service failed (failed)")] * 2 + [(True, "active")]
    h = project_round.Health(cfg)
    for _ in range(3):
        h.round()
    assert [f["DJOPS_EVENT"] for _, f in sent] == ["health.degraded", "health.recovered"]
    assert out == [("recovery", {"In-Reply-To": failed, "References": failed})]


def test_a_failure_the_site_was_back_from_before_a_round_opens_nothing_later(
    world, monkeypatch, sent
):
    from djops.mail import threads

    cfg, script, _, _ = world
    threads.open_by_failure(cfg.name, "<djops.p.failed-x@h>", now=time.time() - 120)
    out = _sends(monkeypatch)
    h = project_round.Health(cfg)
    h.round()  # all well: that failure is over
    assert threads.read(cfg.name) is None
    script["service"] = [(False, "p.service failed (failed)")] * 3
    for _ in range(3):
        h.round()
    [(kind, thread)] = out
    assert kind == "alert" and thread["Message-Id"].startswith(f"<djops.{cfg.name}.2")


def test_a_round_pid1_did_not_answer_counts_no_unit_check(world, monkeypatch, sent):
    """A read that PID 1 left unanswered ({} for P.service) is no failure of
    the site: 100 projects degraded at once during one `djops disable`."""
    cfg, script, _, _ = world
    script["service"] = [(False, "p.service ? (?)")]
    monkeypatch.setattr(project_round.bulk, "show_each", lambda asks, **k: {u: {} for u in asks})
    h = project_round.Health(cfg)
    for _ in range(4):
        h.round()
    assert sent == [] and h.incident.ladder.failures == 0
    assert h.results["service"]["detail"].endswith("(systemd did not answer: not counted)")


def test_a_degraded_check_is_journal_only_so_a_flapping_probe_pages_nobody(world, sent):
    """By design (README, "Notifications"): below alert_after, a failing
    check is health.degraded (warning) in the journal and nothing else: no
    mail, no chat notice, and its recovery is not announced either. So no
    notice is ever typed warning for "degraded"; warning is an alert of
    only slow or missed runs (djops.mail.notices.incident_severity)."""
    cfg, script, mails, _ = world
    script["service"] = [(False, "p.service activating (start)")] * 2 + [(True, "up")]
    h = project_round.Health(cfg)
    for _ in range(3):
        h.round()
    assert mails == [], "neither the degraded step nor its recovery is announced"
    degraded, recovered = ((f["DJOPS_EVENT"], f["PRIORITY"]) for _, f in sent)
    assert degraded == ("health.degraded", "4") and recovered[0] == "health.recovered"
