import dataclasses

import pytest
from calendars import fake
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from djops import config, paths
from djops.config import schema
from djops.errors import ConfigError


def test_defaults_follow_the_reference_layout(confdir, monkeypatch):
    monkeypatch.delenv(paths.ROOT_VARIABLE)  # as on a server
    cfg = config.load("shop", live=False)
    assert cfg.project.user == "shop"
    assert cfg.project.code_dir == "/opt/shop"
    assert cfg.project.venv == "/opt/shop/venv"
    assert cfg.project.settings_dir == "/etc/opt/shop"
    assert cfg.project.service == "shop.service"
    assert cfg.watch.paths == ["/etc/opt/shop"]
    assert cfg.clearsessions.batch_size == 1_000_000
    assert cfg.health.mail_to == ["root"]


def test_live_checks_pass_on_a_real_layout(project):
    cfg = config.load(project)
    assert cfg.project.code_dir.endswith("/opt/p")


def _error(confdir, text: str, name: str = "x", live: bool = False) -> str:
    (confdir / f"{name}.toml").write_text(text)
    with pytest.raises(ConfigError) as e:
        config.load(name, live=live)
    assert e.value.exit_code == 2
    return str(e.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[health]\ninterval_seconds = "abc"\n',
            '[health] interval_seconds: expected a positive number, got "abc"',
        ),
        (
            "[health]\ninterval_seconds = -1\n",
            "[health] interval_seconds: expected a positive number, got -1",
        ),
        (
            "[health]\nwarn_after = 0\n",
            "[health] warn_after: expected a positive whole number, got 0",
        ),
        (
            "[health]\nalert_after = true\n",
            "[health] alert_after: expected a positive whole number, got true",
        ),
        (
            "[clearsessions]\nbatch_size = 1.5\n",
            "[clearsessions] batch_size: expected a positive whole number",
        ),
        (
            '[watch]\nrestart = "bounce"\n',
            '[watch] restart: expected "restart" or "reload" or "handover", got "bounce"',
        ),
        (
            '[watch]\nrestart = "handover"\n',
            '[watch] restart: expected "restart" or "reload", or [socket] listen set',
        ),
        (
            '[socket]\nlisten = ["localhost"]\n',
            '[socket] listen: expected a list of "HOST:PORT" or absolute unix socket paths',
        ),
        (
            '[socket]\nlisten = "127.0.0.1:8000"\n',
            '[socket] listen: expected a list of "HOST:PORT"',
        ),
        (
            '[socket]\nlisten = ["127.0.0.1:99999"]\n',
            '[socket] listen: expected a list of "HOST:PORT"',
        ),
        (
            '[watch]\npaths = "/etc/opt/x"\n',
            "[watch] paths: expected a non-empty list of absolute paths",
        ),
        (
            '[watch]\npaths = ["relative"]\n',
            "[watch] paths: expected a non-empty list of absolute paths",
        ),
        ("[watch]\ndebounce = 2\n", "[watch] debounce: expected one of the known keys"),
        ("[sessions]\n", "[sessions]: expected one of the sections: project, clearsessions"),
        ("project = 3\n", "[project]: expected a table, got 3"),
        (
            '[project]\nsettings_module = "my-settings"\n',
            "[project] settings_module: expected a dotted Python module name",
        ),
        ('[project]\nservice = "shop"\n', "[project] service: expected a systemd service name"),
        (
            '[health]\nmail_to = "root"\n',
            "[health] mail_to: expected a non-empty list of mail addresses",
        ),
        (
            "[health]\nwarn_after = 4\n",
            "[health] warn_after, alert_after, restart_after: expected warn_after <= alert_after",
        ),
        ("[health\n", "expected valid TOML"),
    ],
)
def test_bad_values_name_file_key_and_expectation(confdir, text, expected):
    msg = _error(confdir, text)
    assert msg.startswith(f"{confdir}/x.toml: ")
    assert expected in msg
    assert "\n" not in msg


def test_not_utf8(confdir):
    (confdir / "x.toml").write_bytes(b'[project]\nuser = "\xff"\n')
    with pytest.raises(ConfigError, match="expected UTF-8 text"):
        config.load("x", live=False)


@pytest.mark.host("systemd-analyze")
@pytest.mark.parametrize("schedule", ["daily", "*-*-* 03:30", "Mon..Fri 22:00", "hourly"])
def test_oncalendar_accepted(confdir, schedule):
    (confdir / "x.toml").write_text(f'[clearsessions]\nschedule = "{schedule}"\n')
    assert config.load("x", live=False).clearsessions.schedule == schedule


@pytest.mark.host("systemd-analyze")
@pytest.mark.parametrize("schedule", ["every full moon", "25:00", ""])
def test_oncalendar_rejected_by_systemd(confdir, schedule, monkeypatch):
    fake(monkeypatch)
    (confdir / "x.toml").write_text(f'[health]\nheartbeat = "{schedule}"\n')
    with pytest.raises(ConfigError) as e:
        config.load("x", live=False, schedules=True)
    msg = str(e.value)
    assert "[health] heartbeat: expected a systemd OnCalendar expression" in msg


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("user", "no-such-user-here", "expected an existing user"),
        ("venv", "/nonexistent", "expected a virtualenv directory with bin/python"),
        ("code_dir", "/tmp", "expected a directory containing manage.py"),
        ("settings_dir", "/nonexistent", "expected an existing directory"),
    ],
)
def test_live_checks(project, confdir, key, value, expected):
    text = (confdir / "p.toml").read_text()
    lines = [ln for ln in text.splitlines() if not ln.startswith(key + " ")]
    (confdir / "p.toml").write_text("\n".join([*lines, f'{key} = "{value}"']) + "\n")
    with pytest.raises(ConfigError, match=f"\\[project\\] {key}: {expected}"):
        config.load("p")


@pytest.mark.parametrize("name", ["my-app", "", "1abc", "a/b", "a.b", "x" * 65])
def test_bad_project_names(confdir, name):
    with pytest.raises(ConfigError, match="project name: expected a Python identifier"):
        config.load(name, live=False)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=300))
def test_no_bytes_ever_produce_a_traceback(confdir, data):
    (confdir / "x.toml").write_bytes(data)
    try:
        config.load("x", live=False)
    except ConfigError as e:
        assert "\n" not in str(e)


toml_scalar = st.one_of(
    st.integers(-5, 20000),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=12),
    st.lists(st.text(max_size=6), max_size=3),
)
# every key of every section, from the schema itself
known = {name: [f.name for f in dataclasses.fields(cls)] for name, cls in schema.SECTIONS.items()}
known["jobs.x"] = [f.name for f in dataclasses.fields(schema.Job)]
# values that are almost right: a valid one with a newline, a NUL or an escape
near_miss = st.sampled_from(
    ["demo.service", "daily", "root", "/opt/p", "settings", "http://127.0.0.1/"]
).flatmap(lambda v: st.sampled_from([v + "\n", v + "\x00", "\x00" + v, v + "\x1b[2J"]))
toml_scalar = st.one_of(toml_scalar, near_miss, st.lists(near_miss, min_size=1, max_size=2))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(sorted(known)).flatmap(
        lambda s: st.tuples(st.just(s), st.sampled_from(known[s] + ["bogus"]), toml_scalar)
    )
)
def test_no_structured_value_produces_a_traceback(confdir, item):
    import json

    section, key, value = item
    if isinstance(value, bool):
        literal = "true" if value else "false"
    elif isinstance(value, float):  # TOML spells these nan, inf, -inf; repr does too
        literal = repr(value)
    else:
        literal = json.dumps(value)
    (confdir / "x.toml").write_text(f"[{section}]\n{key} = {literal}\n")
    for live in (False, True):
        try:
            config.load("x", live=live)
        except ConfigError as e:
            assert str(e).startswith(f"{confdir}/x.toml: ") and "\n" not in str(e)


@pytest.mark.parametrize(
    "line",
    [
        'service = "demo.service\\n"',
        'user = "root\\u0000"',
        'settings_module = "settings\\n"',
        'code_dir = "/opt/my app"',
    ],
)
def test_trailing_newlines_nul_and_unit_breaking_paths_are_refused(confdir, line):
    (confdir / "x.toml").write_text(f"[project]\n{line}\n")
    with pytest.raises(ConfigError, match=r"x.toml: \[project\] "):
        config.load("x", live=False)


@pytest.mark.parametrize("key", ["schedule", "heartbeat"])
def test_nul_in_a_schedule_is_a_config_error(confdir, key):
    section = "clearsessions" if key == "schedule" else "health"
    (confdir / "x.toml").write_text(f'[{section}]\n{key} = "daily\\u0000"\n')
    with pytest.raises(ConfigError, match="expected a systemd OnCalendar expression"):
        config.load("x", live=False)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            '[jobs.a]\ncommand = ["x"]\nexec = ["/bin/true"]\n',
            "[jobs.a] command, exec: expected exactly one",
        ),
        ('[jobs.a]\nschedule = "daily"\n', "[jobs.a] command, exec: expected exactly one"),
        ('[jobs."a b"]\ncommand = ["x"]\n', "[jobs.a b]: expected a NAME of letters"),
        (
            '[jobs.clearsessions]\ncommand = ["x"]\n',
            "[jobs.clearsessions]: expected another NAME: clearsessions is [clearsessions]",
        ),
        ('[jobs.a]\nexec = ["backup.sh"]\n', "[jobs.a] exec: expected a list: an absolute program"),
        ('[jobs.a]\ncommand = ["-x"]\n', "[jobs.a] command: expected a list: a manage.py command"),
        (
            '[jobs.a]\ncommand = ["x"]\nmail_output = "never"\n',
            '[jobs.a] mail_output: expected "failure" or "always"',
        ),
        (
            '[jobs.a]\ncommand = ["x"]\nuser = "nobody-here"\n',
            "[jobs.a] user: expected an existing user",
        ),
        (
            '[jobs.a]\ncommand = ["x"]\nuser = "root"\n',
            "[jobs.a] user: expected a user other than root",
        ),
        ("[jobs]\na = 1\n", "[jobs.a]: expected a table"),
        (
            '[jobs.a]\ncommand = ["x"]\nenvironment = {PYTHONPATH = 3}\n',
            '[jobs.a] environment: expected a table of NAME = "value" strings',
        ),
        (
            '[jobs.a]\ncommand = ["x"]\nenvironment = {"A B" = "x"}\n',
            '[jobs.a] environment: expected a table of NAME = "value" strings',
        ),
        (
            '[jobs.a]\ncommand = ["x"]\nenvironment = ["A=x"]\n',
            '[jobs.a] environment: expected a table of NAME = "value" strings',
        ),
    ],
)
def test_bad_jobs_are_one_line_naming_the_table(confdir, project, table, expected):
    path = confdir / f"{project}.toml"
    path.write_text(path.read_text() + table)
    with pytest.raises(ConfigError) as e:
        config.load(project)
    assert str(e.value).startswith(f"{path}: {expected}"), str(e.value)


def test_a_job_runs_as_the_project_user_unless_it_says_otherwise(confdir):
    (confdir / "j.toml").write_text(
        '[project]\nuser = "root"\n[jobs.mail]\ncommand = ["send_queued_mail"]\n'
        '[jobs.backup]\nexec = ["/usr/local/bin/backup"]\nschedule = "@reboot"\nuser = "daemon"\n'
    )
    cfg = config.load("j", live=False)
    assert cfg.jobs["mail"].user == "root" and cfg.jobs["mail"].schedule == "daily"
    assert cfg.jobs["backup"].user == "daemon" and cfg.jobs["backup"].exec == [
        "/usr/local/bin/backup"
    ]


@pytest.mark.parametrize("alias", [False, True])
def test_root_is_refused_as_the_project_user_under_any_name(confdir, project, monkeypatch, alias):
    """Jobs default to the project user: root there would run them all as root."""
    from djops.config import live_values

    monkeypatch.setattr(live_values, "ROOT_UID", 0)
    name = "root"
    if alias:  # a second name for uid 0 ("toor")
        import pwd

        real = pwd.getpwnam
        fake = pwd.struct_passwd(("toor", "x", 0, 0, "", "/root", "/bin/sh"))
        monkeypatch.setattr(live_values.pwd, "getpwnam", lambda n: fake if n == "toor" else real(n))
        name = "toor"
    path = confdir / f"{project}.toml"
    path.write_text(path.read_text().replace('user = "', f'user = "{name}"  # was "', 1))
    with pytest.raises(ConfigError) as e:
        config.load(project)
    assert str(e.value).startswith(
        f"{path}: [project] user: expected a user other than root (uid 0)"
    ), str(e.value)
