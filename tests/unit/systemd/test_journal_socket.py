"""djops' own journal sender, against a datagram socket in tmp_path that
stands in for journald's."""

import socket
import struct
import threading
import time

import pytest

from djops import paths
from djops.systemd import journal, journal_socket


def decode(data: bytes) -> dict[str, str]:
    """The native protocol read back, as journald reads it."""
    fields, i = {}, 0
    while i < len(data):
        end = data.index(b"\n", i)
        line = data[i:end]
        if b"=" in line:
            key, value = line.split(b"=", 1)
            i = end + 1
        else:
            key, size = line, struct.unpack("<Q", data[end + 1 : end + 9])[0]
            value = data[end + 9 : end + 9 + size]
            assert data[end + 9 + size : end + 10 + size] == b"\n"
            i = end + 10 + size
        fields[key.decode()] = value.decode()
    return fields


@pytest.fixture
def journald(tmp_path):
    """A bound socket at paths.journal_socket(): what journald would read."""
    path = paths.journal_socket()
    path.parent.mkdir(parents=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(path))
    yield server
    server.close()


def test_every_field_reaches_journald_newlines_and_all(journald):
    journal.emit("job.paused", "shop", "line one\nline two = x", JOB="backup")
    got = decode(journald.recv(65536))
    assert got == {
        "MESSAGE": "line one\nline two = x",
        "MESSAGE_ID": journal.EVENTS["job.paused"].message_id,
        "PRIORITY": "5",
        "SYSLOG_IDENTIFIER": "djops",
        "DJOPS_PROJECT": "shop",
        "DJOPS_EVENT": "job.paused",
        "DJOPS_JOB": "backup",
    }


def test_the_exit_waits_until_journald_has_read_every_entry(journald):
    """journald reads a sender's unit from /proc as it takes the datagram:
    a sender gone by then logs without it, and its result is not trusted."""
    sender = journal_socket.Sender()
    sender("one", PRIORITY="6")
    sender("two", PRIORITY="6")
    assert sender.queued() > 0
    assert sender.drain(timeout=0.1) is False, "nothing read yet: the wait goes on"

    def read_later():
        time.sleep(0.2)
        journald.recv(65536)
        journald.recv(65536)

    reader = threading.Thread(target=read_later)
    reader.start()
    started = time.monotonic()
    assert sender.drain(timeout=5) is True
    assert time.monotonic() - started >= 0.2 and sender.queued() == 0
    reader.join()


def test_a_stopped_journald_holds_the_exit_no_longer_than_the_bound(journald):
    sender = journal_socket.Sender()
    sender("never read", PRIORITY="6")
    started = time.monotonic()
    assert sender.drain(timeout=0.3) is False
    assert time.monotonic() - started < 2


def test_an_entry_past_a_datagrams_size_goes_through_libsystemds_memfd(journald, monkeypatch):
    big = []
    monkeypatch.setattr(journal_socket, "_big", lambda message, fields: big.append(message))
    sender = journal_socket.Sender()
    sender._socket().setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    sender("x" * (4 << 20), PRIORITY="6")
    assert big and len(big[0]) == 4 << 20


def test_without_journald_an_event_is_kept_on_stderr(capsys):
    journal.emit("job.paused", "shop", "paused while nothing listens", JOB="backup")
    assert "djops: job.paused: paused while nothing listens" in capsys.readouterr().err
