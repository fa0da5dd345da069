"""The steps of djops-reload@P.service against a real Django (the test venv's)."""

import os
import pwd
import subprocess

import pytest
from sample import SETTINGS

from djops.errors import OperationError
from djops.reload import steps
from djops.systemd import service, systemctl

SECRET = "hunter2-planted"


def rejected(sent) -> dict:
    (fields,) = [f for _, f in sent if f["DJOPS_EVENT"] == "reload.rejected"]
    return fields


@pytest.mark.parametrize(
    "extra, reason",
    [
        (f"EMAIL_HOST_PASSWORD = '{SECRET}\n", "SyntaxError"),
        (f"EMAIL_HOST_PASSWORD = '{SECRET}'\nimport no_such_module_x\n", "ModuleNotFoundError"),
        (f"EMAIL_HOST_PASSWORD = '{SECRET}'\nCACHES = {{}}\n", "caches.E001"),
        (f"EMAIL_HOST_PASSWORD = '{SECRET}'\nX = int(EMAIL_HOST_PASSWORD)\n", "ValueError"),
    ],
)
def test_bad_settings_are_rejected_with_a_reason_but_never_the_secret(
    django_project, sent, capsys, extra, reason
):
    cfg = django_project()
    good = SETTINGS.format(db=django_project.db, engine="django.contrib.sessions.backends.db")
    (django_project.settings / "settings.py").write_text(good + extra)
    with pytest.raises(OperationError) as err:
        steps.compile_step(cfg)
        steps.validate_step(cfg)
    fields = rejected(sent)
    assert fields["PRIORITY"] == "3"
    assert reason in fields["DJOPS_REASON"]
    out = capsys.readouterr()
    for text in (str(err.value), repr(sent), out.out, out.err):
        assert SECRET not in text


def test_good_settings_compile_and_validate(django_project, sent):
    cfg = django_project()
    assert isinstance(steps.compile_step(cfg).changed, list)
    assert "check` passed" in steps.validate_step(cfg)
    assert not [f for _, f in sent if f["DJOPS_EVENT"] == "reload.rejected"]


@pytest.fixture
def units(monkeypatch):
    """A fake systemctl: {unit: properties}; records the commands."""
    state: dict[str, dict[str, str]] = {}
    calls: list[tuple[str, ...]] = []

    def run(*args, check=True, utc=False):
        calls.append(args)
        if args[0] == "show":
            props = [a.split("=", 1)[1] for a in args[2:]]
            known = state.get(args[1], {"LoadState": "not-found"})
            out = "".join(f"{p}={known.get(p, '')}\n" for p in props)
            return subprocess.CompletedProcess(args, 0, out, "")
        if args[1] not in state:  # as systemctl says it, exit 5
            return subprocess.CompletedProcess(args, 5, "", f"Unit {args[1]} not found.\n")
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(systemctl, "run", run)
    monkeypatch.setattr(service, "SETTLE_SECONDS", 0)
    return state, calls


def test_reload_mode_without_execreload_says_what_to_do(units):
    state, calls = units
    state["p.service"] = {"LoadState": "loaded", "ExecReload": "", "ActiveState": "active"}
    with pytest.raises(OperationError, match="no ExecReload="):
        service.apply("p.service", "reload")
    assert ("reload", "p.service") not in calls


def test_restart_waits_for_active_and_returns_the_new_pid(units):
    state, calls = units
    state["p.service"] = {"LoadState": "loaded", "ActiveState": "active", "MainPID": "42"}
    assert service.apply("p.service", "restart") == 42
    # the restart is the first thing asked of systemd: nothing delays it
    assert calls[0] == ("restart", "p.service")


def test_a_service_that_dies_after_restart_is_an_error(units):
    state, _ = units
    state["p.service"] = {"LoadState": "loaded", "ActiveState": "failed", "MainPID": "0"}
    with pytest.raises(OperationError, match="is failed"):
        service.apply("p.service", "restart")


def test_unknown_service_is_named(units):
    with pytest.raises(OperationError, match="does not exist"):
        service.apply("nope.service", "restart")


def test_a_config_that_no_longer_loads_rejects_the_reload(project, confdir, sent):
    from djops.errors import ConfigError

    path = confdir / f"{project}.toml"
    path.write_text(path.read_text().replace('settings_dir = "', 'settings_dir = "/nonexistent'))
    with pytest.raises(ConfigError, match="settings_dir: expected an existing directory"):
        steps.run_here(project)
    [(message, fields)] = sent
    assert fields["DJOPS_EVENT"] == "reload.rejected" and fields["PRIORITY"] == "3"
    assert "settings_dir" in message


@pytest.mark.skipif(os.getuid() != 0, reason="chown needs root")
def test_a_settings_directory_the_project_user_cannot_read_says_the_fix(tmp_path):
    """root:root 2750 makes the import fail as "No module named 'settings'"."""
    d = tmp_path / "etc-opt-p"
    d.mkdir()
    os.chown(d, 0, 0)
    os.chmod(d, 0o2750)
    hint = steps.unreadable(str(d), "nobody")
    assert hint == (
        f"; {d} is not readable by nobody (owner root:root, mode 2750): "
        f"chgrp nobody {d}; chmod g+rx {d}"
    )
    os.chown(d, 0, pwd.getpwnam("nobody").pw_gid)
    assert steps.unreadable(str(d), "nobody") == ""


def test_the_compile_takes_only_the_sources_the_watcher_saw(tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_RUN_DIR", str(tmp_path / "run"))
    code, settings = tmp_path / "code", tmp_path / "settings"
    real = tmp_path / "real-settings"
    real.mkdir()
    settings.symlink_to(real)  # the watcher names files by their real path
    note = tmp_path / "run" / "djops-watch" / "changed-p.json"
    assert steps.seen_by_the_watcher("p", [str(code), str(settings)]) is None  # `djops reload P`
    note.parent.mkdir(parents=True)
    note.write_text(f'["{real}/settings.py", "{real}/.env", "{code}/app/views.py"]')
    assert steps.seen_by_the_watcher("p", [str(code), str(settings)]) == [
        f"{code}/app/views.py",
        f"{settings}/settings.py",
    ]
    note.write_text(f'["{real}/.env"]')
    assert steps.seen_by_the_watcher("p", [str(code), str(settings)]) == []  # nothing to compile


def test_the_apply_step_is_a_planned_window_for_health(project, tmp_path, monkeypatch, sent):
    """Health does not count service or http failing while the reload (or
    `djops reload P`, which runs it) restarts P.service; closed after."""
    from djops import config
    from djops.health import dbaddress, planned
    from djops.reload import validated

    monkeypatch.setenv("DJOPS_RUN_DIR", str(tmp_path / "run"))
    (tmp_path / "run" / "djops").mkdir(parents=True)
    monkeypatch.setattr(dbaddress, "learn_isolated", lambda cfg: "the database: sqlite")
    seen, broken = [], []

    def apply(unit, mode):
        seen.append(planned.active(project))
        if broken:
            raise OperationError(f"{unit} did not come back")
        return 42

    monkeypatch.setattr(service, "apply", apply)
    cfg = config.load(project, live=False)
    compiled = steps.Compiled([], validated.digest(list(cfg.watch.paths)))
    assert "(MainPID 42)" in steps.apply_step(cfg, compiled)
    assert seen == ["reload (restart)"] and planned.active(project) == ""
    broken.append(True)
    with pytest.raises(OperationError):
        steps.apply_step(cfg, compiled)
    assert seen[-1] == "reload (restart)" and planned.active(project) == ""


def test_a_save_during_validation_is_not_restarted_into_gunicorn(
    project, tmp_path, monkeypatch, sent
):
    """The compile step takes a digest of the watched files before validation
    reads them; a save that lands before the apply step means gunicorn would
    load what nobody validated: no restart, reload.superseded, the watcher's
    next reload validates it. Unchanged files restart as usual."""
    from djops import config
    from djops.health import dbaddress

    monkeypatch.setenv("DJOPS_RUN_DIR", str(tmp_path / "run"))
    (tmp_path / "run" / "djops").mkdir(parents=True)
    monkeypatch.setattr(dbaddress, "learn_isolated", lambda cfg: "the database: sqlite")
    restarted: list[str] = []
    monkeypatch.setattr(service, "apply", lambda unit, mode: restarted.append(unit) or 42)
    cfg = config.load(project, live=False)
    os.makedirs(cfg.watch.paths[0], exist_ok=True)
    settings = os.path.join(cfg.watch.paths[0], "settings.py")
    with open(settings, "w") as f:
        f.write("A = 1\n")
    compiled = steps.compile_step(cfg)  # takes the digest first
    with open(settings, "a") as f:
        f.write("X = int('broken')\n")
    text = steps.apply_step(cfg, compiled)
    assert restarted == [] and "changed again while they were validated" in text
    [(_, fields)] = [(m, f) for m, f in sent if f["DJOPS_EVENT"] == "reload.superseded"]
    assert fields["PRIORITY"] == "5"
    compiled = steps.compile_step(cfg)
    assert "(MainPID 42)" in steps.apply_step(cfg, compiled)
    assert restarted == [cfg.project.service]


def test_the_units_process_takes_the_steps_in_order_and_applies_only_what_passed(
    project, monkeypatch, capsys, sent
):
    """djops-reload@P.service is one process: compile, validate, apply, each
    step's line printed as it ends (the journal times them); a rejected
    validation ends it before the apply step touches P.service."""
    done: list[str] = []
    compiled = steps.Compiled(["/etc/opt/p/settings.py"], "digest")
    monkeypatch.setattr(steps, "compile_step", lambda cfg: done.append("compile") or compiled)
    monkeypatch.setattr(steps, "validate_step", lambda cfg: done.append("validate") or "valid")
    monkeypatch.setattr(
        steps, "apply_step", lambda cfg, c: done.append("apply") or f"applied {c is compiled}"
    )
    assert steps.run_here(project) == "applied True"
    assert done == ["compile", "validate", "apply"]
    assert capsys.readouterr().out == f"compiled 1 changed file of {project}\nvalid\n"

    def rejected(cfg):
        done.append("validate")
        steps.reject(cfg, "manage.py check failed")

    done.clear()
    monkeypatch.setattr(steps, "validate_step", rejected)
    with pytest.raises(OperationError, match=r"left untouched: manage\.py check failed"):
        steps.run_here(project)
    assert done == ["compile", "validate"]
