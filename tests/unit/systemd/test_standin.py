"""The stand-in's drop-in: P.service's command and environment, read back from
`systemctl show`, made literal for a unit file."""

from types import SimpleNamespace

from djops.systemd import standin

SHOW = {
    "ExecStart": "{ path=/opt/p/venv/bin/gunicorn ; argv[]=/opt/p/venv/bin/gunicorn --workers=2 "
    "--pid /run/p/g.pid --bind=127.0.0.1:8000 p.wsgi ; ignore_errors=no ; start_time=[n/a] }",
    "User": "p",
    "Group": "www-data",
    "Environment": 'PYTHONPATH=/etc/opt/p:/opt/p "A=b c" X=$HOME%',
    "WorkingDirectory": "/opt/p",
}


def cfg():
    return SimpleNamespace(name="p", project=SimpleNamespace(service="p.service", user="p"))


def test_the_twin_runs_the_service_command_without_its_pid_file(monkeypatch, tmp_path):
    monkeypatch.setattr(standin.systemctl, "show", lambda unit, *props: SHOW)
    text = standin.contents(cfg())
    assert 'ExecStart=\nExecStart="/opt/p/venv/bin/gunicorn" "--workers=2" "--bind' in text
    assert "/run/p/g.pid" not in text and "--pid" not in text
    assert "--no-control-socket" not in text  # no gunicorn >= 25.1 found beside it
    assert "User=p\nGroup=www-data\n" in text
    assert 'Environment="A=b c"' in text and 'Environment="X=$$HOME%%"' in text
    assert "WorkingDirectory=/opt/p" in text


def test_gunicorn_25_1_and_later_gets_its_own_control_socket_off(monkeypatch, tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "lib/python3.13/site-packages/gunicorn-27.0.1.dist-info").mkdir(parents=True)
    show = {**SHOW, "ExecStart": f"{{ path={venv}/bin/gunicorn ; argv[]=gunicorn app ; }}"}
    monkeypatch.setattr(standin.systemctl, "show", lambda unit, *props: show)
    text = standin.contents(cfg())
    assert f'ExecStart="{venv}/bin/gunicorn" "--no-control-socket" "app"' in text
    (venv / "lib/python3.13/site-packages/gunicorn-27.0.1.dist-info").rename(
        venv / "lib/python3.13/site-packages/gunicorn-20.1.0.dist-info"
    )
    assert "--no-control-socket" not in standin.contents(cfg())


def test_without_a_user_the_project_user_runs_it(monkeypatch):
    monkeypatch.setattr(standin.systemctl, "show", lambda unit, *props: {**SHOW, "User": ""})
    assert "User=p\n" in standin.contents(cfg())
