"""P.service's gunicorn as djops reads it from `systemctl show`: its binds
(for `djops check`), whether it preloads the app (found in ExecStart=,
GUNICORN_CMD_ARGS= or its config file, which is read, never run), its
version, and its command without the pid file (for the stand-in)."""

import pytest

from djops.systemd import gunicorn_unit, service

START = "{ path=/opt/p/venv/bin/gunicorn ; argv[]=/opt/p/venv/bin/gunicorn %s ; ignore_errors=no }"


@pytest.fixture
def unit(monkeypatch, tmp_path):
    props = {"WorkingDirectory": str(tmp_path)}  # where gunicorn looks for its default file
    monkeypatch.setattr(gunicorn_unit.systemctl, "show", lambda unit, *names: props)
    return props


def preloads() -> str:
    return gunicorn_unit.read("p.service").preloads()


@pytest.mark.parametrize(
    "args, why",
    [
        ("--workers=2 p.wsgi:application", ""),
        ("--preload --workers=2 p.wsgi:application", "--preload in its ExecStart="),
    ],
)
def test_preload_on_the_command_line(unit, args, why):
    unit["ExecStart"] = START % args
    assert preloads() == why


def test_preload_in_the_environment(unit):
    unit["ExecStart"] = START % "p.wsgi"
    unit["Environment"] = "GUNICORN_CMD_ARGS=--preload DJANGO_SETTINGS_MODULE=settings"
    assert preloads() == "--preload in its GUNICORN_CMD_ARGS="
    unit["Environment"] = "GUNICORN_CMD_ARGS=--workers=2 OTHER=--preload"
    assert preloads() == "", "only GUNICORN_CMD_ARGS is gunicorn's"


def test_preload_app_in_the_config_file(unit, tmp_path):
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text("workers = 2\npreload_app = True\n")
    unit["ExecStart"] = START % f"-c {conf} p.wsgi"
    assert preloads() == f"preload_app = True in {conf}"
    conf.write_text("workers = 2\n# preload_app = True\npreload_app = False\n")
    assert preloads() == ""
    conf.write_text("preload_app = True\n")
    unit["ExecStart"] = START % "p.wsgi"  # the default file in the working directory
    unit["WorkingDirectory"] = str(tmp_path)
    assert "preload_app = True" in service.refuse_reload("p.service")


def test_the_config_file_named_in_gunicorn_cmd_args(unit, tmp_path):
    unit["ExecStart"] = START % "p.wsgi"
    unit["Environment"] = f'"GUNICORN_CMD_ARGS=--config={tmp_path}/g.py --workers 2"'
    assert gunicorn_unit.read("p.service").config_file() == f"{tmp_path}/g.py"
    unit["ExecStart"] = START % "-c python:p.gconf p.wsgi"
    assert gunicorn_unit.read("p.service").config_file() == "", "a module: not a file"


def test_an_unreadable_command_judges_nothing(unit):
    unit["ExecStart"] = START % "--preload 'p.wsgi"
    with pytest.raises(ValueError):
        gunicorn_unit.read("p.service")
    assert service.preloads("p.service") == ""


@pytest.mark.parametrize(
    ("args", "binds"),
    [
        (["--bind", "127.0.0.1:8000"], ["127.0.0.1:8000"]),
        (["--bind=127.0.0.1:8000", "-b", "[::1]:8001"], ["127.0.0.1:8000", "[::1]:8001"]),
        (["-b127.0.0.1:8000", "-b", "127.0.0.1:8000"], ["127.0.0.1:8000"]),
        (["--bind", "unix:/run/p/gunicorn.sock"], ["/run/p/gunicorn.sock"]),
        (["--bind", "fd://3", "-b", "localhost"], []),  # nothing systemd could hold
        (["--backlog", "64", "-w", "2"], []),
    ],
)
def test_gunicorn_binds_in_listen_form(args, binds):
    assert gunicorn_unit.binds_of(["/opt/p/venv/bin/gunicorn", *args, "p.wsgi"]) == binds


def test_the_stand_in_leaves_the_pid_file_to_the_service():
    argv = ["gunicorn", "--pid", "/run/p.pid", "-p", "/run/q.pid", "--pid=/run/r.pid", "app"]
    assert gunicorn_unit.without_pidfile(argv) == ["gunicorn", "app"]
