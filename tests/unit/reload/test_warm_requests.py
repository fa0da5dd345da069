"""The warm-up requests: they reach a real listening socket (TCP and unix),
count answers, and never raise when nothing answers."""

import socket
import threading

from djops.reload import warm_requests


def serve(family, where, answer: bytes, seen: list[bytes]):
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.bind(where)
    srv.listen(8)

    def loop():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            with c:
                seen.append(c.recv(1024))
                c.sendall(answer)

    threading.Thread(target=loop, daemon=True).start()
    return srv


def test_requests_reach_a_tcp_socket_with_a_host_header():
    seen: list[bytes] = []
    srv = serve(socket.AF_INET, ("127.0.0.1", 0), b"HTTP/1.1 400 Bad Request\r\n\r\n", seen)
    port = srv.getsockname()[1]
    try:
        assert warm_requests.send([f"0.0.0.0:{port}"], 3) == 3  # any status counts
    finally:
        srv.close()
    assert len(seen) == 3 and seen[0].startswith(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n")


def test_requests_reach_a_unix_socket(tmp_path):
    seen: list[bytes] = []
    path = str(tmp_path / "g.sock")
    srv = serve(socket.AF_UNIX, path, b"HTTP/1.1 200 OK\r\n\r\nhi", seen)
    try:
        assert warm_requests.send([path, "127.0.0.1:1"], 2) == 2
    finally:
        srv.close()
    assert b"Host: localhost" in seen[0]


def test_nothing_listening_or_no_http_is_not_an_error(tmp_path):
    assert warm_requests.send([str(tmp_path / "none.sock")], 2) == 0
    seen: list[bytes] = []
    srv = serve(socket.AF_INET, ("127.0.0.1", 0), b"SSH-2.0\r\n", seen)
    try:
        assert warm_requests.send([f"127.0.0.1:{srv.getsockname()[1]}"], 1) == 0
    finally:
        srv.close()
    assert warm_requests.send([], 5) == 0


def test_targets():
    assert warm_requests.target("8000")[1:] == (("127.0.0.1", 8000), "127.0.0.1")
    assert warm_requests.target("[::]:8000") == (socket.AF_INET6, ("::1", 8000), "[::1]")
    assert warm_requests.target("10.0.0.5:80") == (socket.AF_INET, ("10.0.0.5", 80), "10.0.0.5")


def test_it_stops_at_its_overall_deadline(tmp_path):
    t = iter([0.0, warm_requests.IN_ALL + 1])
    assert warm_requests.send([str(tmp_path / "none.sock")], 100, clock=lambda: next(t)) == 0
