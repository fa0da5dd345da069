"""`djops check`'s socket items without [socket] listen: a warning when
restarts refuse connections, with the config that stops it."""

import pytest

from djops import config
from djops.checklist import report, socket
from djops.checklist.item import WARN
from djops.systemd import gunicorn_unit

EXEC = "{ path=/opt/p/venv/bin/gunicorn ; argv[]=/opt/p/venv/bin/gunicorn -b 10.0.0.5:8080 x ; }"


@pytest.fixture
def show(monkeypatch):
    monkeypatch.setattr(gunicorn_unit.systemctl, "show", lambda unit, *props: {"ExecStart": EXEC})


def test_the_refusing_default_is_a_warning_with_the_two_lines(confdir, show):
    (confdir / "p.toml").write_text("")
    cfg = config.load("p", live=False)
    [item] = socket.items(cfg)
    assert item.level == WARN and item.section == "socket"
    text = report.render(cfg, [item], as_json=False)
    assert " WARN  socket         restarts of p.service refuse connections" in text
    pad = " " * 24  # under the item's text, indented
    assert f'\n{pad}[socket] listen = ["10.0.0.5:8080"]\n' in text
    assert f'\n{pad}[watch] restart = "handover"\n' in text
    assert text.endswith("p: 0 failed, 1 warning, 0 ok")


def test_reload_without_a_socket_says_nothing(confdir, show):
    (confdir / "p.toml").write_text('[watch]\nrestart = "reload"\n')
    assert socket.items(config.load("p", live=False)) == []
