"""Issue 31.3: restart = "restart" without [socket] listen refuses connections at
each restart; djops check and djops enable say so, with the two config lines
(the address from gunicorn's --bind in P.service)."""

import pytest

from djops import config
from djops.reload import refusals
from djops.systemd import gunicorn_unit

EXEC = (
    "{ path=/opt/p/venv/bin/gunicorn ; argv[]=/opt/p/venv/bin/gunicorn --workers=2 "
    "%s p.wsgi ; ignore_errors=no ; start_time=[n/a] }"
)


def _show(monkeypatch, props):
    seen = []

    def show(unit, *names):
        seen.append(unit)
        return {k: v for k, v in props.items() if k in names}

    monkeypatch.setattr(gunicorn_unit.systemctl, "show", show)
    return seen


def test_the_service_bind_is_read_from_its_command_line_or_gunicorn_cmd_args(monkeypatch):
    seen = _show(monkeypatch, {"ExecStart": EXEC % "--bind 127.0.0.1:8000"})
    assert refusals.service_binds("p.service") == ["127.0.0.1:8000"] and seen == ["p.service"]
    _show(
        monkeypatch,
        {
            "ExecStart": EXEC % "",
            "Environment": 'A=b "GUNICORN_CMD_ARGS=--bind unix:/run/p/g.sock --workers 3"',
        },
    )
    assert refusals.service_binds("p.service") == ["/run/p/g.sock"]
    uwsgi = "{ path=/usr/bin/uwsgi ; argv[]=/usr/bin/uwsgi -b 127.0.0.1:8000 ; }"
    _show(monkeypatch, {"ExecStart": uwsgi})
    assert refusals.service_binds("p.service") == [], "only gunicorn's -b is a bind"


def _cfg(confdir, toml: str = "") -> config.Config:
    (confdir / "p.toml").write_text(toml)
    return config.load("p", live=False)


def test_the_default_restart_without_a_socket_gets_the_two_lines_that_stop_it(confdir, monkeypatch):
    _show(monkeypatch, {"ExecStart": EXEC % "--bind=127.0.0.1:8000"})
    head, listen, restart = refusals.advice(_cfg(confdir))
    assert head.startswith("restarts of p.service refuse connections")
    assert f"set in {confdir}/p.toml" in head
    assert listen == '[socket] listen = ["127.0.0.1:8000"]'
    assert restart == '[watch] restart = "handover"'


def test_an_address_not_on_the_command_line_is_a_placeholder(confdir, monkeypatch):
    _show(monkeypatch, {"ExecStart": EXEC % "-c /etc/opt/p/gunicorn.conf.py"})
    listen = refusals.advice(_cfg(confdir))[1]
    assert listen.startswith('[socket] listen = ["HOST:PORT"]   # where gunicorn binds')
    assert "p.service's command line names no --bind" in listen


@pytest.mark.parametrize(
    "toml",
    [
        '[socket]\nlisten = ["127.0.0.1:8000"]\n',  # held: connections wait
        '[watch]\nrestart = "reload"\n',  # graceful: old workers serve meanwhile
        '[socket]\nlisten = ["127.0.0.1:8000"]\n[watch]\nrestart = "handover"\n',
    ],
)
def test_nothing_is_said_when_no_restart_refuses(confdir, monkeypatch, toml):
    seen = _show(monkeypatch, {})
    assert refusals.advice(_cfg(confdir, toml)) == [] and seen == []
