"""The http check against a real local server (no mocks of the network)."""

import http.server
import socket
import threading

import pytest

from djops import config
from djops.health import probes


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code = {"/down": 503, "/moved": 301, "/host": 400}.get(self.path, 200)
        self.send_response(code)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def cfg_with(project, confdir, url):
    path = confdir / f"{project}.toml"
    base = path.read_text().split("[health]")[0]
    path.write_text(base + f'[health]\nurl = "{url}"\n')
    return config.load(project)


@pytest.mark.parametrize(
    "path, ok", [("/", True), ("/moved", True), ("/host", True), ("/down", False)]
)
def test_http_fails_only_on_5xx(project, confdir, site, path, ok):
    result = probes.http(cfg_with(project, confdir, site + path))
    assert result[0] is ok, result


def test_http_fails_on_no_answer_and_on_a_timeout(project, confdir, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ok, detail = probes.http(cfg_with(project, confdir, f"http://127.0.0.1:{port}/"))
    assert not ok and "refused" in detail
    monkeypatch.setattr(probes, "TIMEOUT", 0.3)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        ok, detail = probes.run("http", cfg_with(project, confdir, url))
    assert not ok and "timed out" in detail


class Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_GET(self):
        Recorder.seen.append(dict(self.headers))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_credentials_in_the_url_become_basic_auth_and_are_never_shown(project, confdir):
    srv = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    try:
        cfg = cfg_with(project, confdir, f"http://probe:s3cr%40t@127.0.0.1:{port}/?token=abc")
        ok, detail = probes.http(cfg)
    finally:
        srv.shutdown()
    assert ok and detail == f"GET http://127.0.0.1:{port}/?...: HTTP 200"
    [headers] = Recorder.seen
    assert headers["Host"] == f"127.0.0.1:{port}"
    assert headers["Authorization"] == "Basic cHJvYmU6czNjckB0"  # probe:s3cr@t
    assert "s3cr" not in detail and "token" not in detail


@pytest.fixture
def learned(project, tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))

    def learn(**addr):
        from djops import paths, safefs

        safefs.write_json(paths.database_address(project), addr)
        return config.load(project, live=False)

    return learn


def test_database_check_connects_to_a_unix_socket(learned, tmp_path, monkeypatch):
    """... of the server's user (here: the one running the tests, or nobody)."""
    import os
    import pwd

    from djops.health import dbaddress

    server_user = "nobody" if os.getuid() == 0 else pwd.getpwuid(os.getuid()).pw_name
    monkeypatch.setitem(dbaddress.SERVERS, "postgresql", dbaddress.Server(server_user))
    path = str(tmp_path / ".s.PGSQL.5432")
    cfg = learned(vendor="postgresql", unix=path)
    assert "database" in probes.enabled(cfg)
    ok, detail = probes.database(cfg)
    assert not ok and detail.startswith(f"postgresql at {path}: ")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen()
    if os.getuid() == 0:
        os.chown(path, pwd.getpwnam(server_user).pw_uid, -1)
    try:
        assert probes.database(cfg) == (True, f"postgresql at {path} accepts connections")
    finally:
        srv.close()


@pytest.mark.parametrize(
    ("greeting", "ok"), [(b"\x4a\0\0\0\x0a5.5.5-11.8", True), (b"\x17\0\0\0\xff\x69\x04", False)]
)
def test_database_check_reads_the_mysql_greeting(learned, greeting, ok):
    srv = socket.create_server(("127.0.0.1", 0))

    def serve():
        c, _ = srv.accept()
        c.sendall(greeting)
        c.close()

    threading.Thread(target=serve, daemon=True).start()
    cfg = learned(vendor="mysql", host="127.0.0.1", port=srv.getsockname()[1])
    assert probes.database(cfg)[0] is ok
    srv.close()


@pytest.mark.parametrize(
    "content", [b"", b"garbage", b'{"vendor": "sqlite"}', b'{"vendor": "mysql"}']
)
def test_no_database_check_without_a_learned_server(project, tmp_path, monkeypatch, content):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    (tmp_path / f"database-{project}.json").write_bytes(content)
    assert "database" not in probes.enabled(config.load(project, live=False))
