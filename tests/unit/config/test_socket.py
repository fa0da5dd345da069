from djops import config


def test_socket_addresses_and_handover_load(confdir):
    (confdir / "x.toml").write_text(
        '[socket]\nlisten = ["127.0.0.1:8000", "[::1]:8000", "8001", "unix:/run/x/g.sock"]\n'
        '[watch]\nrestart = "handover"\n'
    )
    cfg = config.load("x", live=False)
    assert cfg.socket.listen == ["127.0.0.1:8000", "[::1]:8000", "8001", "/run/x/g.sock"]
    assert cfg.watch.restart == "handover"


def test_no_socket_by_default(confdir):
    assert config.load("x", live=False).socket.listen == []
