"""The http check against a real local server (no mocks of the network)."""

import http.server
import socket
import threading

import pytest

from djops import config
from djops.health import check, http_probe, probes


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
    result = http_probe.http(cfg_with(project, confdir, site + path))
    assert result[0] is ok, result


def test_http_fails_on_no_answer_and_on_a_timeout(project, confdir, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ok, detail = http_probe.http(cfg_with(project, confdir, f"http://127.0.0.1:{port}/"))
    assert not ok and "refused" in detail
    monkeypatch.setattr(check, "TIMEOUT", 0.3)
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
        ok, detail = http_probe.http(cfg)
    finally:
        srv.shutdown()
    assert ok and detail == f"GET http://127.0.0.1:{port}/?...: HTTP 200"
    [headers] = Recorder.seen
    assert headers["Host"] == f"127.0.0.1:{port}"
    assert headers["Authorization"] == "Basic cHJvYmU6czNjckB0"  # probe:s3cr@t
    assert "s3cr" not in detail and "token" not in detail
