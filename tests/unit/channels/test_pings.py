"""Healthchecks pings against a real local HTTP server: the URL shapes,
delivery in order, the server's body limit, retries, ping.failed once."""

import http.client
import http.server
import os
import threading
import time

import pytest

from djops.channels import fingerprint, pings, queue


class Recorder(http.server.BaseHTTPRequestHandler):
    got: list = []
    fail = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if Recorder.fail:
            Recorder.fail -= 1
            self.send_response(503)
            self.end_headers()
            return
        Recorder.got.append((self.path, body.decode()))
        self.send_response(200)
        self.send_header("Ping-Body-Limit", "20")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(pings, "BACKOFF", (0,))
    Recorder.got, Recorder.fail = [], 0
    srv = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/ping/abc"
    srv.shutdown()


def test_url_shapes():
    run = pings.rid("0123456789abcdef0123456789abcdef")
    assert run == "01234567-89ab-cdef-0123-456789abcdef"
    base = "https://hc-ping.com/uuid/"
    assert pings.url_for(base, run, "start") == f"https://hc-ping.com/uuid/start?rid={run}"
    assert pings.url_for(base, run, "success") == f"https://hc-ping.com/uuid?rid={run}"
    assert pings.url_for(base, run, "4") == f"https://hc-ping.com/uuid/4?rid={run}"


def test_pings_arrive_once_in_order_within_the_servers_body_limit(server):
    pings.keep("p", pings.url_for(server, "r1", "start"))
    pings.keep("p", pings.url_for(server, "r1", "3"), "x" * 50 + "the tail")
    assert pings.deliver(limit=5) == "2 pings delivered"
    assert Recorder.got[0] == ("/ping/abc/start?rid=r1", "")
    path, body = Recorder.got[1]
    assert path == "/ping/abc/3?rid=r1"
    assert body.endswith("the tail") and len(body) == 20, "the tail, within Ping-Body-Limit"
    assert pings.deliver(limit=5) == "0 pings delivered"


def test_a_failing_server_is_retried_and_logged_once(server, sent):
    Recorder.fail = 3
    pings.keep("p", pings.url_for(server, "r2", "success"))
    assert pings.deliver(limit=5) == "1 ping delivered"
    assert Recorder.got == [("/ping/abc?rid=r2", "")]
    [(message, fields)] = [(m, f) for m, f in sent if f.get("DJOPS_EVENT") == "ping.failed"]
    assert fields["PRIORITY"] == "4" and "/ping/abc" not in message and "127.0.0.1" not in message
    assert fields["DJOPS_URL"] == fingerprint.label(server + "?rid=r2") in message


def test_an_unreachable_server_keeps_the_ping(tmp_path, monkeypatch, sent):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(pings, "BACKOFF", (0,))
    pings.keep("p", "http://127.0.0.1:9/ping")
    assert pings.deliver(limit=0) == "0 pings delivered, 1 still queued"
    assert len(list((tmp_path / "pings").glob("*.json"))) == 1


class Limited(http.server.BaseHTTPRequestHandler):
    """A server asking for at most `limit` bytes; /away redirects elsewhere."""

    got: list = []
    limit = "50"
    elsewhere = ""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Limited.got.append((self.path, body))
        if self.path.startswith("/away") and Limited.elsewhere:
            self.send_response(307)
            self.send_header("Location", Limited.elsewhere + self.path)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Ping-Body-Limit", Limited.limit)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def limited(tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(pings, "BACKOFF", (0,))
    Limited.got, Limited.limit, Limited.elsewhere = [], "50", ""
    servers = [http.server.HTTPServer(("127.0.0.1", 0), Limited) for _ in range(2)]
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield [f"http://127.0.0.1:{srv.server_address[1]}" for srv in servers]
    for srv in servers:
        srv.shutdown()


def test_the_body_limit_a_server_said_holds_in_the_next_run_too(limited):
    """djops-ping.service is one run per batch: the limit must outlive it."""
    url = limited[0] + "/ping/abc"
    pings.keep("p", pings.url_for(url, "r1", "start"))
    assert pings.deliver(limit=5) == "1 ping delivered"  # learns 50
    pings.keep("p", pings.url_for(url, "r1", "1"), "y" * 900 + "the tail")
    assert pings.deliver(limit=5) == "1 ping delivered"  # a new run of the service
    body = Limited.got[-1][1]
    assert len(body) == 50 and body.endswith(b"the tail")


def test_a_body_limit_of_zero_sends_no_body(limited):
    Limited.limit = "0"
    url = limited[0] + "/ping/abc"
    pings.keep("p", pings.url_for(url, "r1", "start"))
    pings.keep("p", pings.url_for(url, "r1", "1"), "secret output " * 20)
    assert pings.deliver(limit=5) == "2 pings delivered"
    assert Limited.got[-1] == ("/ping/abc/1?rid=r1", b"")


def test_a_redirect_to_another_host_is_not_followed(limited, sent):
    here, there = limited
    Limited.elsewhere = there.replace("127.0.0.1", "localhost")  # another host name
    pings.keep("p", pings.url_for(here + "/away", "r1", "1"), "the output\x1b]0;x\x07")
    assert pings.deliver(limit=0) == "0 pings delivered, 1 still queued"
    assert [p for p, _ in Limited.got] == ["/away/1?rid=r1"], "nothing reached the other host"
    [message] = [m for m, f in sent if f.get("DJOPS_EVENT") == "ping.failed"]
    assert "another host" in message and "\x1b" not in message


def _age(path, seconds):
    stamp = time.time_ns() - int(seconds * 1e9)
    new = path.with_name(f"{stamp:020d}-{path.name.split('-', 1)[1]}")
    os.replace(path, new)


def test_a_ping_undelivered_for_a_day_is_dropped_loudly(tmp_path, monkeypatch, sent):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("DJOPS_CONFIG_DIR", str(tmp_path / "etc"))
    monkeypatch.setattr(pings.dropmail.mail, "kick", lambda: None)
    base = "http://127.0.0.1:9/ping/s3cretUUID-abcdef"
    for kind in ("start", "4"):
        pings.keep("p", pings.url_for(base, "r1", kind), base=base)
    for path in queue.pending(tmp_path / "pings"):
        _age(path, queue.GIVE_UP + 1)
    assert pings.deliver(limit=0) == "0 pings delivered"
    [(message, fields)] = [(m, f) for m, f in sent if f["DJOPS_EVENT"] == "notify.dropped"]
    assert fields["PRIORITY"] == "2" and fields["DJOPS_COUNT"] == "2"
    assert fields["DJOPS_URL"] == fingerprint.label(base) and "s3cretUUID" not in message
    assert not [f for _, f in sent if f["DJOPS_EVENT"] == "ping.failed"], "nothing was tried"
    [mail] = queue.pending(tmp_path / "outbox")
    assert "DROPPED 2 pings" in mail.read_text() and "s3cretUUID" not in mail.read_text()


def test_a_ping_queue_past_its_bound_drops_the_oldest(tmp_path, monkeypatch, sent):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("DJOPS_CONFIG_DIR", str(tmp_path / "etc"))
    monkeypatch.setattr(pings.dropmail.mail, "kick", lambda: None)
    monkeypatch.setattr(queue, "MAX_ENTRIES", 2)
    monkeypatch.setattr(pings, "BACKOFF", (0,))
    for i in range(5):
        pings.keep("p", f"http://127.0.0.1:9/ping/{i}", base="http://127.0.0.1:9/ping")
    assert pings.deliver(limit=0) == "0 pings delivered, 2 still queued"
    [fields] = [f for _, f in sent if f["DJOPS_EVENT"] == "notify.dropped"]
    assert fields["DJOPS_COUNT"] == "3" and "more than 2 pings" in fields["DJOPS_REASON"]


def test_an_unreadable_ping_is_moved_aside_not_deleted(tmp_path, monkeypatch, sent):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    d = tmp_path / "pings"
    d.mkdir()
    (d / "0-garbage.json").write_bytes(b"\x00not json")
    assert pings.deliver(limit=0) == "0 pings delivered"
    assert (d / "unreadable" / "0-garbage.json").read_bytes() == b"\x00not json"
    [fields] = [f for _, f in sent if f["DJOPS_EVENT"] == "ping.failed"]
    assert "unreadable/0-garbage.json" in fields["DJOPS_QUEUE"]


def test_pings_are_delivered_under_the_queues_lock(server, tmp_path):
    """One deliverer at a time (a `djops flush-pings` beside the service)."""
    import fcntl

    held = []

    class Locked(Recorder):
        def do_POST(self):
            with open(tmp_path / "pings" / ".lock", "w") as other:
                try:
                    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held.append(False)
                except BlockingIOError:
                    held.append(True)
            super().do_POST()

    srv = http.server.HTTPServer(("127.0.0.1", 0), Locked)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        pings.keep("p", f"http://127.0.0.1:{srv.server_address[1]}/ping/x")
        assert pings.deliver(limit=5) == "1 ping delivered"
    finally:
        srv.shutdown()
    assert held == [True]


def test_a_ping_kept_is_said_once_also_behind_another_and_across_runs(tmp_path, monkeypatch, sent):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(pings, "BACKOFF", (0,))
    for kind in ("start", "success"):
        pings.keep("p", pings.url_for("http://127.0.0.1:9/ping", "r1", kind))
    assert pings.deliver(limit=0) == "0 pings delivered, 2 still queued"
    assert pings.deliver(limit=0) == "0 pings delivered, 2 still queued"  # the next run
    failed = [f["DJOPS_REASON"] for _, f in sent if f["DJOPS_EVENT"] == "ping.failed"]
    assert len(failed) == 2, failed
    assert failed[0].endswith("; retrying") and "waits behind" in failed[1]


@pytest.fixture
def garbage(tmp_path, monkeypatch):
    """A server that answers what is not HTTP: urllib raises
    http.client.BadStatusLine, which is no OSError."""
    import socket

    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(pings, "BACKOFF", (0,))
    srv = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"garbage\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}/ping/s3cretUUID-abcdef"
    srv.close()


def test_an_answer_that_is_not_http_keeps_the_ping_and_says_so(garbage, tmp_path, sent):
    pings.keep("p", pings.url_for(garbage, "r1", "success"), base=garbage)
    assert pings.deliver(limit=0) == "0 pings delivered, 1 still queued"
    assert len(queue.pending(tmp_path / "pings")) == 1, "nothing lost"
    [(message, fields)] = [(m, f) for m, f in sent if f["DJOPS_EVENT"] == "ping.failed"]
    assert "BadStatusLine" in message or "garbage" in message
    assert "s3cretUUID" not in message + repr(fields)


@pytest.mark.parametrize(
    "error",
    [
        http.client.IncompleteRead(b"par"),
        http.client.LineTooLong("header line"),
        ValueError("invalid literal for int() with base 10: 'x'"),
        ConnectionResetError(104, "Connection reset by peer"),
    ],
)
def test_whatever_a_request_raises_keeps_the_ping(tmp_path, monkeypatch, sent, error):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(pings, "BACKOFF", (0,))

    def fail(url, body):
        raise error

    monkeypatch.setattr(pings, "_send", fail)
    pings.keep("p", "https://hc.example/ping/s3cretUUID")
    assert pings.deliver(limit=0) == "0 pings delivered, 1 still queued"
    [fields] = [f for _, f in sent if f["DJOPS_EVENT"] == "ping.failed"]
    assert fields["DJOPS_REASON"], "the why, in one line"


def test_a_server_error_quoting_the_url_is_scrubbed(tmp_path, monkeypatch, sent):
    """urllib's errors may quote the URL (a redirect's Location, an HTTPError's
    url, a proxy's answer): a ping URL is a token, so ping.failed shows only
    its label, in MESSAGE, DJOPS_REASON and DJOPS_URL alike."""
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(pings, "BACKOFF", (0,))
    base = "https://hc-ping.example/s3cretUUID-0123-4567"
    url = pings.url_for(base, "r1", "success")

    def fail(url, body):
        raise ValueError(f"HTTP 404 for {url} (host hc-ping.example, check s3cretUUID-0123-4567)")

    monkeypatch.setattr(pings, "_send", fail)
    pings.keep("p", url, base=base)
    pings.deliver(limit=0)
    [(message, fields)] = [(m, f) for m, f in sent if f["DJOPS_EVENT"] == "ping.failed"]
    assert "s3cretUUID" not in message + repr(fields)
    assert fingerprint.label(base) in fields["DJOPS_REASON"], "the URL named by its label"
    assert fields["DJOPS_URL"] == fingerprint.label(base)
