import subprocess

import pytest

from djops import config
from djops.project import enable
from djops.systemd import dropins, systemctl

RUNNING: set[str] = set()


@pytest.fixture
def calls(monkeypatch):
    RUNNING.clear()
    seen: list[tuple[str, ...]] = []

    def fake(*args, check=True, utc=False, timeout=None):
        seen.append(args)
        out = ""
        if args[0] == "show":  # the units RUNNING holds: active and enabled
            out = "\n\n".join(
                f"Id={u}\nActiveState=active\nUnitFileState=enabled" if u in RUNNING else f"Id={u}"
                for u in (args[args.index("--") + 1 :] if "--" in args else args[1:])
                if not u.startswith("-")
            )
        return subprocess.CompletedProcess(["systemctl", *args], 0, out, "")

    monkeypatch.setattr(systemctl, "run", fake)
    monkeypatch.setattr(enable.dbaddress, "learn_isolated", lambda cfg: "the database: sqlite")
    return seen


def test_enable_writes_dropins_once_and_enables_target_and_timer(project, calls, sent):
    cfg = config.load(project)
    enable.enable(cfg)
    assert ("daemon-reload",) in calls
    wanted = (
        "djops@p.target",
        "djops-clearsessions@p.timer",
        "djops-heartbeat@p.timer",
        "djops-mailqueue.timer",
        "djops-mailqueue.path",
        "djops-ping.path",
        "djops-ping.timer",
        "djops-notify.path",
        "djops-notify.timer",
        "djops-watch.service",
        "djops-health.service",
    )
    assert ("enable", "--no-reload", *wanted) in calls
    assert ("start", *wanted) in calls
    assert calls.count(("daemon-reload",)) == 1, "one reload, before the links and the start"
    assert calls.index(("daemon-reload",)) < calls.index(("start", *wanted))
    assert "OnFailure=djops-failure@%n.service" in dropins.path_of("p.service").read_text()
    calls.clear()
    enable.enable(cfg)
    assert ("daemon-reload",) not in calls, "nothing changed, so no reload"
    assert not any(c[0] == "try-restart" for c in calls)
    cfg.path.write_text(cfg.path.read_text() + "[health]\ninterval_seconds = 5\n")
    calls.clear()
    enable.enable(config.load(project))
    assert not any(c[0] == "try-restart" for c in calls), "the host daemons reread P.toml"
    assert ("reload", "djops-watch.service", "djops-health.service") in calls
    text = dropins.path_of("djops-clearsessions@p.timer").read_text()
    assert "OnCalendar=\nOnCalendar=daily" in text
    assert sent[-1][1]["DJOPS_EVENT"] == "project.enabled"


def test_disable_undoes_enable(project, calls, sent):
    from djops.jobs.policy import alerting

    enable.enable(config.load(project))
    alerting.mark_failed(project, "clearsessions")  # a failed run's mark goes with P
    enable.disable(project)
    assert not alerting.failed_since_success(project, "clearsessions")
    assert not dropins.path_of("djops-clearsessions@p.service").exists()
    assert any(c[0] == "disable" for c in calls)
    enable.disable(project)  # idempotent
    assert sent[-1][1]["DJOPS_EVENT"] == "project.disabled"


def test_disable_removes_the_projects_metrics_and_the_last_one_stops_the_host_daemon(
    project, calls, sent, tmp_path, confdir
):
    metrics = tmp_path / "node-exporter"
    metrics.mkdir()
    path = confdir / f"{project}.toml"
    path.write_text(path.read_text() + f'[metrics]\ntextfile_dir = "{metrics}"\n')
    enable.enable(config.load(project))
    extra = dropins.path_of(dropins.HOST_METRICS).read_text()
    assert f"ReadWritePaths=-{metrics}" in extra, "the host daemon may write P's metrics"
    (metrics / f"djops_{project}.prom").write_text("djops_x 1\n")
    enable.disable(project)
    assert not (metrics / f"djops_{project}.prom").exists(), "no stale metrics keep alerting"
    assert any(
        c[:4] == ("disable", "--now", "djops-watch.service", "djops-health.service") for c in calls
    )
    assert not dropins.path_of(dropins.HOST_METRICS).exists()
    enable.disable(project)  # idempotent


def test_enable_warns_once_that_restarts_refuse_connections_and_still_enables(
    project, calls, sent, monkeypatch
):
    """Issue 31.3: the default restart without [socket] listen refuses
    connections; enable says so once, with the two lines that stop it."""
    real = systemctl.show
    gunicorn = "{ path=/v/bin/gunicorn ; argv[]=/v/bin/gunicorn --bind 127.0.0.1:8000 p.wsgi ; }"

    def show(unit, *props):
        return {"ExecStart": gunicorn} if unit == "p.service" else real(unit, *props)

    monkeypatch.setattr(systemctl, "show", show)
    out = enable.enable(config.load(project))
    assert out.startswith("djops enabled for p:")
    assert out.count("warning:") == 1 and out.count("refuse connections") == 1
    assert out.endswith(
        '\n  [socket] listen = ["127.0.0.1:8000"]\n  [watch] restart = "handover"'
    ), out
    assert sent[-1][1]["DJOPS_EVENT"] == "project.enabled"


def test_an_enable_that_changes_nothing_starts_nothing(project, calls, sent):
    """At 1,000 jobs `enable --now` and `start` of units already running took
    5 s: what is active (and enabled) is left alone; the rest is started."""
    cfg = config.load(project)
    cfg.path.write_text(
        cfg.path.read_text() + '[jobs.a]\ncommand = ["x"]\n[jobs.b]\ncommand = ["y"]\n'
    )
    cfg = config.load(project)
    enable.enable(cfg)
    [start] = [c for c in calls if c[0] == "start"]
    assert start[-2:] == ("djops-job@p:a.timer", "djops-job@p:b.timer")
    RUNNING.update(c for call in calls if call[:2] == ("enable", "--no-reload") for c in call[2:])
    RUNNING.add("djops-job@p:a.timer")
    calls.clear()
    enable.enable(cfg)
    assert not any(c[0] == "enable" for c in calls), calls
    assert ("start", "djops-job@p:b.timer") in calls
    assert not any(c[0] == "start" and "djops-job@p:a.timer" in c for c in calls)


def test_a_job_taken_out_or_added_reloads_systemd_after_its_link_changed(project, calls, sent):
    """The target's wants change on disk; PID 1 sees it only after a reload
    made then (an unchanged enable makes none: it starts nothing either)."""
    cfg = config.load(project)
    cfg.path.write_text(cfg.path.read_text() + '[jobs.a]\ncommand = ["x"]\n')
    enable.enable(config.load(project))
    RUNNING.update(c for call in calls if call[:2] == ("enable", "--no-reload") for c in call[2:])
    RUNNING.add("djops-job@p:a.timer")
    calls.clear()
    enable.enable(config.load(project))
    assert ("daemon-reload",) not in calls
    cfg.path.write_text(cfg.path.read_text().replace('[jobs.a]\ncommand = ["x"]\n', ""))
    calls.clear()
    enable.enable(config.load(project))
    assert calls.index(("daemon-reload",)) > calls.index(
        ("stop", "djops-job@p:a.service", "djops-job@p:a.timer")
    )


def test_a_first_enable_with_jobs_reloads_systemd_once(project, calls, sent):
    """Drop-ins, the jobs' links and the enable's own links cost one
    daemon-reload, not three: each took PID 1 seconds beside 100 projects."""
    cfg = config.load(project)
    cfg.path.write_text(
        cfg.path.read_text() + '[jobs.a]\ncommand = ["x"]\n[jobs.b]\ncommand = ["y"]\n'
    )
    enable.enable(config.load(project))
    assert calls.count(("daemon-reload",)) == 1, calls
    assert not any("--now" in c for c in calls), "enable --now would reload once more"
    [start] = [c for c in calls if c[0] == "start"]
    assert {"djops@p.target", "djops-job@p:a.timer", "djops-job@p:b.timer"} <= set(start)


def test_disable_reloads_systemd_once(project, calls, sent):
    """Each implicit reload of `systemctl disable` costs PID 1 a second or
    more on a busy host: 20 projects took 150 s to disable (e2e test_85)."""
    enable.enable(config.load(project))
    calls.clear()
    enable.disable(project)
    assert calls.count(("daemon-reload",)) == 1
    [own] = [c for c in calls if c[0] == "disable" and f"djops@{project}.target" in c]
    assert "--no-reload" in own, own


def test_disable_stops_first_and_disables_once_the_job_dropins_are_gone(
    project, calls, sent, monkeypatch
):
    """`systemctl disable` scans /etc/systemd/system for links: 9 s a unit
    with 2,000 job drop-in directories there, past the 90 s timeout for one
    project of 1,000 jobs. Its units are stopped first, in one call."""
    cfg = config.load(project)
    cfg.path.write_text(cfg.path.read_text() + '[jobs.a]\ncommand = ["x"]\n')
    enable.enable(config.load(project))
    calls.clear()
    seen = {}
    real = systemctl.run

    def spy(*args, **kw):
        if args[0] == "disable":
            seen["left"] = dropins.job_units_on_disk(project)
        return real(*args, **kw)

    monkeypatch.setattr(systemctl, "run", spy)
    enable.disable(project)
    [stop] = [c for c in calls if c[0] == "stop"]
    assert "djops@p.target" in stop
    first = next(c for c in calls if c[0] == "disable")
    assert calls.index(stop) < calls.index(first) and "--now" not in first
    assert seen["left"] == []


def test_disable_names_no_job_unit_but_those_still_running_or_failed(
    project, calls, sent, monkeypatch
):
    """The target's stop carries to the jobs' units (PartOf=). Naming 2,000
    job units to `systemctl stop` took over 290 s on a host of 100 projects:
    systemctl asks PID 1 to load each one again once stopped."""
    cfg = config.load(project)
    jobs = "".join(f'[jobs.j{i}]\ncommand = ["x"]\n' for i in range(50))
    cfg.path.write_text(cfg.path.read_text() + jobs)
    enable.enable(config.load(project))
    calls.clear()
    held = {"failed": "djops-job@p:j7.service loaded failed failed job p:j7\n",
            "active": "djops-job@p:j3.service loaded active running job p:j3\n"}  # fmt: skip
    real = systemctl.run

    def listing(*args, **kw):
        if args[0] == "list-units":
            assert args[-1] == "djops-job@p:*", args
            state = next(a for a in args if a.startswith("--state="))
            out = held["failed"] if "failed" in state else held["active"]
            real(*args, **kw)
            return subprocess.CompletedProcess(["systemctl", *args], 0, out, "")
        return real(*args, **kw)

    monkeypatch.setattr(systemctl, "run", listing)
    enable.disable(project)
    named = [u for c in calls if c[0] in ("stop", "reset-failed") for u in c if "djops-job@" in u]
    assert named == ["djops-job@p:j3.service", "djops-job@p:j7.service"], calls
    assert ("stop", "djops-job@p:j3.service") in calls
    assert calls.index(("stop", "djops-job@p:j3.service")) > next(
        i for i, c in enumerate(calls) if c[0] == "stop" and "djops@p.target" in c
    ), "the leftovers after the target's stop"
