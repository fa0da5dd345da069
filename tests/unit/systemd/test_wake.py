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
    wake.request("mail", "djops-mailqueue.service")
    wake.request("mail", "djops-mailqueue.service")
    d = paths.due_dir("mail")
    assert len(list(d.iterdir())) == 2
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert started == [("start", "--no-block", "djops-mailqueue.service")] * 2


def test_a_request_that_cannot_be_written_still_starts_the_service(tmp_path, monkeypatch):
    (tmp_path / "due").write_text("not a directory")
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    started = []
    monkeypatch.setattr(wake.systemctl, "run", lambda *a, **k: started.append(a))
    wake.request("pings", "djops-ping.service")
    assert started == [("start", "--no-block", "djops-ping.service")]


@pytest.mark.parametrize("name", ["mail", "pings", "notify"])
def test_the_path_unit_watches_what_the_service_empties_first(name, monkeypatch):
    """Each channel's .path unit and service, as the registry names them."""
    from djops.channels import registry

    monkeypatch.delenv("DJOPS_STATE_DIR", raising=False)
    monkeypatch.delenv(paths.ROOT_VARIABLE)  # the packaged unit names the server's path
    channel = registry.get(name)
    due = str(paths.due_dir(name))
    [path_unit] = [w for w in channel.wakers if w.endswith(".path")]
    path = _unit(path_unit)
    assert path["Path"]["DirectoryNotEmpty"] == due
    assert path["Path"]["Unit"] == channel.service
    pre = _unit(channel.service)["Service"]["ExecStartPre"]
    assert pre == f"-/usr/bin/find {due} -mindepth 1 -delete"
    assert _unit(channel.service)["Service"]["ExecStart"] == f"/usr/bin/djops flush-{name}"


@pytest.mark.parametrize("name", ["mail", "pings", "notify"])
def test_every_channel_has_a_timer_that_retries_and_gives_up(name):
    """A queue is retried, and gives up what waited a day (notify.dropped),
    only while its service runs: a timer starts it every five minutes even
    when nothing new is queued (djops-ping had none: day-old pings were
    dropped only when the next run pinged)."""
    from djops.channels import registry
    from djops.systemd import units

    channel = registry.get(name)
    [timer] = [w for w in channel.wakers if w.endswith(".timer")]
    t = _unit(timer)
    assert t["Timer"]["OnUnitActiveSec"] == "5min" and t["Timer"]["OnBootSec"] == "2min"
    assert t["Install"]["WantedBy"] == "timers.target"
    assert timer in (units.MAILQUEUE, *units.WAKERS), "djops enable turns it on"
