import configparser
import stat
from pathlib import Path

import pytest

from djops import paths
from djops.systemd import wake

UNITS = Path(__file__).parents[3] / "units"


def _unit(name: str) -> configparser.ConfigParser:
    c = configparser.ConfigParser(strict=False, interpolation=None)
    c.read(UNITS / name)
    return c


def test_each_request_is_its_own_file_in_a_private_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    started = []
    monkeypatch.setattr(wake.systemctl, "run", lambda *a, **k: started.append(a))
    wake.request(wake.MAIL)
    wake.request(wake.MAIL)
    d = paths.due_dir(wake.MAIL)
    assert len(list(d.iterdir())) == 2
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert started == [("start", "--no-block", "djops-mailqueue.service")] * 2


def test_a_request_that_cannot_be_written_still_starts_the_service(tmp_path, monkeypatch):
    (tmp_path / "due").write_text("not a directory")
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    started = []
    monkeypatch.setattr(wake.systemctl, "run", lambda *a, **k: started.append(a))
    wake.request(wake.PINGS)
    assert started == [("start", "--no-block", "djops-ping.service")]


@pytest.mark.parametrize(
    "kind, path_unit, service",
    [
        (wake.MAIL, "djops-mailqueue.path", "djops-mailqueue.service"),
        (wake.PINGS, "djops-ping.path", "djops-ping.service"),
        (wake.NOTIFY, "djops-notify.path", "djops-notify.service"),
    ],
)
def test_the_path_unit_watches_what_the_service_empties_first(
    kind, path_unit, service, monkeypatch
):
    monkeypatch.delenv("DJOPS_STATE_DIR", raising=False)
    monkeypatch.delenv(paths.ROOT_VARIABLE)  # the packaged unit names the server's path
    due = str(paths.due_dir(kind))
    path = _unit(path_unit)
    assert path["Path"]["DirectoryNotEmpty"] == due
    assert path["Path"]["Unit"] == service == wake.SERVICES[kind]
    pre = _unit(service)["Service"]["ExecStartPre"]
    assert pre == f"-/usr/bin/find {due} -mindepth 1 -delete"
