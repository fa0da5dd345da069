"""The stand-in's drop-in: P.service's command and environment, read back from
`systemctl show`, made literal for a unit file."""

from types import SimpleNamespace

import pytest

from djops.systemd import standin


@pytest.fixture
def code(tmp_path):
    """The service's code directory (its venv is looked into for gunicorn's version)."""
    return tmp_path / "opt" / "p"


@pytest.fixture
def unit_props(code):
    return {
        "ExecStart": f"{{ path={code}/venv/bin/gunicorn ; argv[]={code}/venv/bin/gunicorn "
        "--workers=2 --pid /run/p/g.pid --bind=127.0.0.1:8000 p.wsgi ; ignore_errors=no ; "
        "start_time=[n/a] }",
        "User": "p",
        "Group": "www-data",
        "Environment": f'PYTHONPATH=/etc/opt/p:{code} "A=b c" X=$HOME%',
        "WorkingDirectory": str(code),
    }


def cfg():
    return SimpleNamespace(name="p", project=SimpleNamespace(service="p.service", user="p"))


def test_the_twin_runs_the_service_command_without_its_pid_file(monkeypatch, unit_props, code):
    monkeypatch.setattr(standin.systemctl, "show", lambda unit, *props: unit_props)
    text = standin.contents(cfg())
    assert f'ExecStart=\nExecStart="{code}/venv/bin/gunicorn" "--workers=2" "--bind' in text
    assert "/run/p/g.pid" not in text and "--pid" not in text
    assert "--no-control-socket" not in text  # no gunicorn >= 25.1 found beside it
    assert "User=p\nGroup=www-data\n" in text
    assert 'Environment="A=b c"' in text and 'Environment="X=$$HOME%%"' in text
    assert f"WorkingDirectory={code}" in text


def test_gunicorn_25_1_and_later_gets_its_own_control_socket_off(monkeypatch, tmp_path, unit_props):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "lib/python3.13/site-packages/gunicorn-27.0.1.dist-info").mkdir(parents=True)
    show = {**unit_props, "ExecStart": f"{{ path={venv}/bin/gunicorn ; argv[]=gunicorn app ; }}"}
    monkeypatch.setattr(standin.systemctl, "show", lambda unit, *props: show)
    text = standin.contents(cfg())
    assert f'ExecStart="{venv}/bin/gunicorn" "--no-control-socket" "app"' in text
    (venv / "lib/python3.13/site-packages/gunicorn-27.0.1.dist-info").rename(
        venv / "lib/python3.13/site-packages/gunicorn-20.1.0.dist-info"
    )
    assert "--no-control-socket" not in standin.contents(cfg())


def test_without_a_user_the_project_user_runs_it(monkeypatch, unit_props):
    monkeypatch.setattr(standin.systemctl, "show", lambda unit, *props: {**unit_props, "User": ""})
    assert "User=p\n" in standin.contents(cfg())
