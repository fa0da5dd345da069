import pytest

from djops.systemd import dropins


def test_write_is_idempotent_and_remove_takes_only_ours(confdir, tmp_path):
    units = {"djops-clearsessions@p.service": "[Service]\nUser=p\n"}
    assert dropins.write("p", units) == ["djops-clearsessions@p.service"]
    assert dropins.write("p", units) == []
    path = dropins.path_of("djops-clearsessions@p.service")
    assert "User=p" in path.read_text() and "djops disable" in path.read_text()
    mine = path.parent / "local.conf"
    mine.write_text("[Service]\nNice=5\n")
    assert dropins.remove(list(units)) is True
    assert not path.exists() and mine.exists(), "a user's own drop-in is never removed"
    assert dropins.remove(list(units)) is False


def test_a_dropin_in_the_projects_own_unit_says_what_it_adds(confdir):
    path = dropins.path_of("shop.service")
    assert path.name == "djops-onfailure.conf" and path.parent.name == "shop.service.d"


@pytest.mark.host("systemd-analyze")
def test_each_job_gets_its_target_user_timeout_and_a_fitted_random_delay(project, confdir):
    from djops import config

    path = confdir / f"{project}.toml"
    path.write_text(
        path.read_text()
        + '[jobs.mail]\ncommand = ["send_queued_mail"]\nschedule = "*:0/5"\ntimeout_seconds = 60\n'
        + '[jobs.boot]\nexec = ["/bin/true"]\nschedule = "@reboot"\nmail_output = "always"\n'
    )
    cfg = config.load(project, live=False)
    got = dropins.job_contents(cfg)
    mail = got[f"djops-job@{project}:mail.service"]
    assert f"PartOf=djops@{project}.target" in mail and "RuntimeMaxSec=60" in mail
    assert f"User={cfg.project.user}" in mail and "--mail-output" not in mail
    timer = got[f"djops-job@{project}:mail.timer"]
    assert "OnCalendar=\nOnCalendar=*:0/5\n" in timer, "the template's daily is reset"
    assert "RandomizedDelaySec=30s" in timer  # 5 min / 10
    assert "FixedRandomDelay=true" in timer  # a daemon-reload does not move `next`
    assert "OnCalendar=\nOnBootSec=2min" in got[f"djops-job@{project}:boot.timer"]
    assert (
        "ExecStopPost=+/usr/bin/djops job --mail-output %i"
        in got[f"djops-job@{project}:boot.service"]
    )
    assert dropins.link_jobs(cfg) == (
        [f"djops-job@{project}:boot.timer", f"djops-job@{project}:mail.timer"],
        [],
    )
    assert dropins.link_jobs(cfg) == ([], [])
    dropins.write(project, got)
    assert set(dropins.job_units_on_disk(project)) == set(got)
    path.write_text(path.read_text().split("[jobs.boot]")[0])
    assert dropins.link_jobs(config.load(project, live=False)) == (
        [],
        [f"djops-job@{project}:boot.timer"],
    )
    dropins.unlink_jobs(project)
    dropins.remove(list(got))
    assert dropins.job_units_on_disk(project) == []


def test_socket_drop_ins_only_with_listen():
    from types import SimpleNamespace

    from djops.systemd import dropins

    cfg = SimpleNamespace(
        name="p",
        project=SimpleNamespace(service="p.service"),
        socket=SimpleNamespace(listen=["127.0.0.1:8000", "/run/p/g.sock"]),
    )
    out = dropins.socket_contents(cfg)
    assert out["djops-socket@p.socket"] == (
        "[Socket]\nListenStream=\nListenStream=127.0.0.1:8000\nListenStream=/run/p/g.sock\n"
        "Service=p.service\n"
    )
    assert "Sockets=djops-socket@p.socket" in out["p.service.d/djops-socket.conf"]
    assert "Requires=djops-socket@p.socket" in out["p.service.d/djops-socket.conf"]
    assert str(dropins.path_of("p.service.d/djops-socket.conf")).endswith(
        "/p.service.d/djops-socket.conf"
    )
    cfg.socket.listen = []
    assert dropins.socket_contents(cfg) == {}
