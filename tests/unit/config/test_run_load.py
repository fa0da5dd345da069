"""A job run's load (djops.config.run_load): what config.load gives, from
the form `djops enable` kept, without importing the schema; anything but
the plain case is config.load's, in its words."""

import dataclasses
import json
import os
import pwd
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from calendars import fake

from djops import config
from djops.config import cache, run_load
from djops.errors import ConfigError

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="only root keeps the checked form")
JOBS = '[jobs.a]\nexec = ["/bin/true"]\n[jobs.b]\ncommand = ["x"]\nuser = "daemon"\nonce = false\n'


@pytest.fixture
def kept(project, confdir, tmp_path, monkeypatch):
    """Project p with two jobs, its checked form kept as `djops enable` keeps it."""
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()
    fake(monkeypatch)
    with (confdir / "p.toml").open("a") as f:
        f.write('[socket]\nlisten = ["127.0.0.1:8000"]\n' + JOBS)
    config.load("p", schedules=True)
    return confdir / "p.toml"


def _values(record) -> dict:
    return dataclasses.asdict(record) if dataclasses.is_dataclass(record) else vars(record)


def _same(a: config.Config, b: config.Config) -> None:
    assert (a.name, a.path) == (b.name, b.path)
    for section in ("project", "clearsessions", "watch", "health", "notify", "metrics", "socket"):
        assert _values(getattr(a, section)) == _values(getattr(b, section)), section
    assert {k: _values(v) for k, v in a.jobs.items()} == {k: _values(v) for k, v in b.jobs.items()}


@ROOT_ONLY
def test_a_runs_load_gives_what_load_gives_without_parsing(kept, monkeypatch):
    def no_parse(*a, **kw):
        raise AssertionError("parsed again")

    with monkeypatch.context() as m:
        m.setattr(tomllib, "loads", no_parse)
        run = config.load_for_run("p")
    assert isinstance(run.project, run_load.Table) and isinstance(run.jobs["a"], run_load.Table)
    _same(run, config.load("p"))
    assert run.jobs["a"].user == run.project.user and run.jobs["b"].user == "daemon"
    assert run.jobs["a"].command is not run.jobs["b"].exec  # each default its own list


@ROOT_ONLY
def test_its_tables_are_read_only(kept):
    run = config.load_for_run("p")
    with pytest.raises(AttributeError):
        run.project.user = "other"
    with pytest.raises(AttributeError):
        del run.jobs["a"].schedule


def test_without_a_kept_form_it_is_load(project):
    run = config.load_for_run(project)
    assert dataclasses.is_dataclass(run.project)
    assert run == config.load(project)


@ROOT_ONLY
def test_a_form_kept_by_an_older_djops_is_read_the_whole_way(kept, monkeypatch):
    target = cache.path("p")
    data = json.loads(target.read_text())
    del data["typed"][cache.RUN]
    target.write_text(json.dumps(data))
    run = config.load_for_run("p")
    assert dataclasses.is_dataclass(run.project)
    assert run == config.load("p")


@ROOT_ONLY
@pytest.mark.parametrize("gone", ["manage.py", "a job's user"])
def test_a_failing_live_check_says_what_load_says(kept, tmp_path, monkeypatch, gone):
    if gone == "manage.py":
        (tmp_path / "opt" / "p" / "manage.py").unlink()
    else:
        real = pwd.getpwnam

        def getpwnam(name):
            if name == "daemon":
                raise KeyError(name)
            return real(name)

        monkeypatch.setattr(pwd, "getpwnam", getpwnam)
    with pytest.raises(ConfigError) as expected:
        config.load("p")
    with pytest.raises(ConfigError) as got:
        config.load_for_run("p")
    assert str(got.value) == str(expected.value)


@ROOT_ONLY
def test_a_run_never_imports_the_schema(kept):
    """Both starts of a run (`djops job P:NAME`, `djops job --after P:NAME`)
    load P.toml: from the kept form, without the schema's dataclasses
    (inspect, ast: ~15 ms of each start)."""
    src = str(Path(config.__file__).parents[2])
    probe = (
        f"import sys; sys.path.insert(0, {src!r})\n"
        "from djops.config import live_values; live_values.ROOT_UID = -1\n"
        "import djops.cli, djops.jobs.job, djops.jobs.policy.after\n"
        "from djops import config; cfg = config.load_for_run('p')\n"
        "print(cfg.jobs['b'].user, sorted({'dataclasses', 'inspect', 'djops.config.schema'}"
        " & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.stdout.split() == ["daemon", "[]"], out


def test_the_forms_key_is_the_files_sha256():
    """Its own SHA-256 (not hashlib's OpenSSL one, ~2.5 ms to load per start)
    names the same bytes as before: a form kept by an older djops still matches."""
    import hashlib

    raw = b'[project]\nuser = "shop"\n' * 1000
    assert cache._key(raw).endswith(":" + hashlib.sha256(raw).hexdigest())
