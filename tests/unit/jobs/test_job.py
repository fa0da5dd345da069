"""A job inside its unit: output to the journal line by line, masked, and one
event for how it ended."""

import pytest

from djops import config, terminal
from djops.errors import OperationError, UsageError
from djops.jobs import job
from djops.systemd import oneshot


@pytest.fixture
def with_jobs(project, confdir, tmp_path):
    path = confdir / f"{project}.toml"
    settings_dir = config.load(project, live=False).project.settings_dir
    (tmp_path / "etc-opt-p" / "settings.py").write_text('SECRET_KEY = "k-8f3Jq-never-shown"\n')
    path.write_text(
        path.read_text()
        + '[jobs.ok]\nexec = ["/bin/sh", "-c", "echo hello; echo \\"$DJANGO_SETTINGS_MODULE\\""]\n'
        + '[jobs.bad]\nexec = ["/bin/sh", "-c", "echo key k-8f3Jq-never-shown; printf \'\\\\033[2J\\\\n\'; exit 3"]\n'
        + '[jobs.manage]\ncommand = ["clearsessions", "--verbosity", "0"]\n'
        + '[jobs.env]\nexec = ["/bin/sh", "-c", "echo $PYTHONPATH $EXTRA $DJANGO_SETTINGS_MODULE"]\n'
        + 'environment = {PYTHONPATH = "/srv/lib:/opt/p", EXTRA = "x y"}\n'
    )
    assert settings_dir
    return config.load(project, live=False)


@pytest.fixture
def said(monkeypatch):
    """The relay's STATUS= lines (the time cut off)."""
    lines: list[str] = []
    monkeypatch.setattr(
        job.sd_notify.Notifier, "status", lambda self, text: lines.append(text.rsplit(" ", 1)[0])
    )
    return lines


def test_a_good_run_relays_its_output_and_says_how_it_ended(with_jobs, sent, said):
    text = job.run_here(with_jobs, "ok")
    assert text.startswith("job ok of p done in ")
    lines = [(m, f) for m, f in sent if "DJOPS_EVENT" not in f]
    assert [m for m, _ in lines] == ["hello", "settings"]
    assert all(f["DJOPS_JOB"] == "ok" and f["DJOPS_PROJECT"] == "p" for _, f in lines)
    assert not [f for _, f in sent if "DJOPS_EVENT" in f], "the result is root's post step's"
    assert said == ["running ok here; ran: exited 0 after"]


def test_a_failed_run_is_masked_escaped_and_fails_the_unit(with_jobs, sent, said):
    with pytest.raises(OperationError, match="exit status 3") as e:
        job.run_here(with_jobs, "bad")
    assert e.value.exit_code == 3, "the unit exits with the command's status"
    output = [m for m, f in sent if "DJOPS_EVENT" not in f]
    assert "k-8f3Jq" not in " ".join(output) and "\x1b" not in " ".join(output)
    assert "\\x1b[2J" in output, output  # shown, not obeyed
    assert said == ["running bad here; ran: exited 3 after"]


def test_a_jobs_environment_comes_on_top_of_the_projects(with_jobs, sent):
    assert with_jobs.jobs["env"].environment == {"PYTHONPATH": "/srv/lib:/opt/p", "EXTRA": "x y"}
    job.run_here(with_jobs, "env")
    assert [m for m, f in sent if "DJOPS_EVENT" not in f] == ["/srv/lib:/opt/p x y settings"]


def test_a_manage_py_command_runs_with_the_venv_python(with_jobs):
    argv = job.argv_of(with_jobs, with_jobs.jobs["manage"])
    assert argv[0].endswith("/venv/bin/python") and argv[1].endswith("/manage.py")
    assert argv[2:] == ["clearsessions", "--verbosity", "0"]


def test_an_unknown_job_is_a_usage_error_naming_the_known_ones(with_jobs):
    with pytest.raises(UsageError) as err:
        job.run_here(with_jobs, "nope")
    assert str(err.value) == "p has no job 'nope' (jobs: clearsessions, ok, bad, manage, env)"
    assert err.value.exit_code == 2 and "toml" not in str(err.value)


def test_clearsessions_is_not_a_job_to_run_but_says_how(with_jobs):
    with pytest.raises(UsageError, match=r"runs with `djops clearsessions p`"):
        job.job_of(with_jobs, "clearsessions")


def test_a_project_without_jobs_says_it_has_none(project):
    cfg = config.load(project, live=False)
    with pytest.raises(
        UsageError,
        match=r"^p has no job 'nope' \(jobs: clearsessions; .*p.toml has no \[jobs.NAME\]\)$",
    ):
        job.job_of(cfg, "nope")


@pytest.mark.parametrize("tty", [True, False])
def test_run_at_a_terminal_prints_lines_as_they_come_otherwise_at_the_end(
    with_jobs, monkeypatch, capsys, tty
):
    asked = {}

    def started(cfg, unit, events, timeout=None, show=None):
        asked["show"] = show
        if show:
            show("line k-8f3Jq-never-shown")  # masked by root's redactor too
        return oneshot.Run(unit, True, "a1", {"MESSAGE": "job ok of p done in 1.0s"})

    monkeypatch.setattr(terminal, "attached", lambda: tty)
    monkeypatch.setattr(oneshot, "started", started)
    monkeypatch.setattr(job, "_output", lambda cfg, inv: f"all lines of {inv} at the end\n")
    answer = job.run_via_unit(with_jobs, "ok")
    if tty:
        assert answer == "job ok of p done in 1.0s"
        assert capsys.readouterr().out == "line ********\n"
    else:
        assert asked["show"] is None
        assert answer == "all lines of a1 at the end\njob ok of p done in 1.0s"


def test_a_run_without_output_never_reads_the_settings(with_jobs, confdir, monkeypatch, sent):
    """The relay scans the settings directory for values to mask at its
    first line: a quiet run (most timer runs) skips the parse (and ast's
    and tokenize's imports)."""
    from djops.inproject import redact

    (confdir / "p.toml").write_text(
        (confdir / "p.toml").read_text() + '[jobs.quiet]\nexec = ["/bin/true"]\n'
    )
    scanned = []
    real = redact.Redactor._scan
    monkeypatch.setattr(redact.Redactor, "_scan", lambda r: scanned.append(r) or real(r))
    assert job.run_here(config.load("p", live=False), "quiet").startswith("job quiet of p done")
    assert scanned == []
    with pytest.raises(OperationError):
        job.run_here(with_jobs, "bad")  # output: scanned, and masked (above)
    assert len(scanned) == 1
