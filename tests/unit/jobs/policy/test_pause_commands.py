"""djops pause/resume: the pause is a file in root's state dir, so it
survives a reboot and `djops enable`; the unit's ExecCondition= skips runs
while it holds and ends it after --until; status, health and metrics see it."""

import time

import pytest

from djops import config
from djops.errors import UsageError
from djops.health import on_time
from djops.jobs.policy import lapses, pause_commands, pause_store
from djops.metrics import collect


@pytest.fixture
def cfg(project, confdir, tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    path = confdir / f"{project}.toml"
    path.write_text(path.read_text() + '[jobs.index]\ncommand = ["index"]\nschedule = "*:0/10"\n')
    return config.load(project, live=False)


def test_a_paused_job_skips_its_runs_until_resumed(cfg, sent):
    assert "paused (until djops resume)" in pause_commands.pause(cfg, "index", None)
    assert sent[-1][1]["DJOPS_EVENT"] == "job.paused"
    with pytest.raises(pause_commands.Skipped) as e:
        pause_commands.condition(cfg.name, "index")
    assert e.value.exit_code == 1, "ExecCondition=: 1 skips without failing the unit"
    with pytest.raises(UsageError):
        pause_commands.refuse_if_paused(cfg, "index")
    assert "resumed" in pause_commands.resume(cfg, "index")
    assert sent[-1][1]["DJOPS_EVENT"] == "job.resumed"
    assert pause_commands.condition(cfg.name, "index") == ""
    assert "was not paused" in pause_commands.resume(cfg, "index")


@pytest.mark.host("systemd-analyze")
def test_until_ends_the_pause_at_the_first_run_after_it(cfg, sent):
    text = pause_commands.pause(cfg, "index", "+1h")
    assert "paused (until 2" in text, text
    state = pause_store.read(cfg.name, "index")
    assert 3500 < state["until"] - time.time() < 3700
    pause_store.write(cfg.name, "index", time.time() - 1)  # the hour went by
    assert "its pause ended" in pause_commands.condition(cfg.name, "index")
    assert pause_store.read(cfg.name, "index") is None
    assert sent[-1][1]["DJOPS_EVENT"] == "job.resumed"


@pytest.mark.host("systemd-analyze")
@pytest.mark.parametrize(
    ("name", "until"), [("nosuch", None), ("index", "garbage"), ("index", "2001-01-01")]
)
def test_bad_input_is_one_line_and_changes_nothing(cfg, name, until):
    with pytest.raises(UsageError) as e:
        pause_commands.pause(cfg, name, until)
    assert "\n" not in str(e.value) and e.value.exit_code == 2
    assert pause_store.read(cfg.name, name) is None
    if name == "nosuch":  # the same words as `djops run` and `djops history`
        assert str(e.value).startswith("p has no job 'nosuch' (jobs: clearsessions, ")


def test_clearsessions_can_be_paused_too(cfg, sent):
    pause_commands.pause(cfg, "clearsessions", None)
    assert pause_store.active(cfg.name, "clearsessions")


def test_a_paused_job_is_not_judged_and_shows_in_metrics(cfg, monkeypatch, sent):
    pause_commands.pause(cfg, "index", None)
    assert lapses.problems(cfg, ["index"]) == []
    monkeypatch.setattr(on_time.systemctl, "show", lambda unit, *props: {})
    ok, detail = on_time.jobs(cfg)
    assert ok, detail
    monkeypatch.setattr(collect, "_journal", lambda *a: {})
    fams = {f.name: f for f in collect.families(cfg, {}, time.time())}
    got = {s[0]["job"]: s[1] for s in fams["djops_job_paused"].samples}
    assert got == {"clearsessions": 0.0, "index": 1.0}
