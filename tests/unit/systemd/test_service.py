"""gunicorn that preloads the app ignores new settings on SIGHUP: found in
ExecStart=, GUNICORN_CMD_ARGS= or its config file, which is read, never run."""

import pytest

from djops.systemd import service

START = "{ path=/opt/p/venv/bin/gunicorn ; argv[]=/opt/p/venv/bin/gunicorn %s ; ignore_errors=no }"


@pytest.fixture
def unit(monkeypatch, tmp_path):
    props = {"WorkingDirectory": str(tmp_path)}  # where gunicorn looks for its default file
    monkeypatch.setattr(service.systemctl, "show", lambda unit, *names: props)
    return props


@pytest.mark.parametrize(
    "args, why",
    [
        ("--workers=2 p.wsgi:application", ""),
        ("--preload --workers=2 p.wsgi:application", "--preload in its ExecStart="),
    ],
)
def test_preload_on_the_command_line(unit, args, why):
    unit["ExecStart"] = START % args
    assert service.preloads("p.service") == why


def test_preload_in_the_environment(unit):
    unit["ExecStart"] = START % "p.wsgi"
    unit["Environment"] = "GUNICORN_CMD_ARGS=--preload DJANGO_SETTINGS_MODULE=settings"
    assert service.preloads("p.service") == "--preload in its GUNICORN_CMD_ARGS="


def test_preload_app_in_the_config_file(unit, tmp_path):
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text("workers = 2\npreload_app = True\n")
    unit["ExecStart"] = START % f"-c {conf} p.wsgi"
    assert service.preloads("p.service") == f"preload_app = True in {conf}"
    conf.write_text("workers = 2\n# preload_app = True\npreload_app = False\n")
    assert service.preloads("p.service") == ""
    conf.write_text("preload_app = True\n")
    unit["ExecStart"] = START % "p.wsgi"  # the default file in the working directory
    unit["WorkingDirectory"] = str(tmp_path)
    assert "preload_app = True" in service.refuse_reload("p.service")
