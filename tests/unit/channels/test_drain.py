"""The one drain every channel's queue goes through, with a channel made up
here (a new channel tells it only its own: how to send one entry, which
entries keep their order): in order within a line, a line that is down holds
back only its own, each kept entry said once, unreadable entries moved
aside, the queue locked while it delivers, an entry another run wrote read
as it is now, and what is queued during a run taken in that run."""

import fcntl
import time

import pytest

from djops import safefs
from djops.channels import drain, queue


class Fake:
    """A channel: entries {"to", "n"}; a `to` in `down` refuses."""

    def __init__(self, d):
        self.d, self.got, self.down, self.said, self.during = d, [], set(), [], None
        self.locked = []

    def send(self, path, entry):
        with open(self.d / ".lock", "w") as other:
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.locked.append(False)
            except BlockingIOError:
                self.locked.append(True)
        if self.during:
            self.during, during = None, self.during
            during()
        if entry["to"] in self.down:
            raise drain.Undelivered(f"{entry['to']} is down")
        self.got.append((entry["to"], entry["n"]))

    def kept(self, path, entry, why, delay):
        self.said.append((entry["n"], why, delay))

    def drain(self, **kw):
        return drain.Drain(
            directory=lambda: self.d,
            fields={"to": str, "n": int},
            send=self.send,
            line=lambda path, entry: entry["to"],
            kept=self.kept,
            unreadable=("notify.failed", "entry", "QUEUE"),
            **kw,
        )


@pytest.fixture
def fake(tmp_path, sent):
    return Fake(tmp_path / "q")


def put(fake, *entries):
    return [queue.put(fake.d, {"to": to, "n": n}) for to, n in entries]


def test_a_line_that_is_down_holds_back_only_its_own_in_order(fake):
    q = fake.drain()
    put(fake, ("a", 1), ("b", 2), ("a", 3), ("b", 4))
    fake.down.add("a")
    assert drain.flush(q)[:2] == (2, 2)
    assert fake.got == [("b", 2), ("b", 4)]
    assert fake.said == [(1, "a is down", queue.FIRST_RETRY), (3, drain.HELD, None)]
    assert drain.flush(q)[:2] == (0, 2) and len(fake.said) == 2, "said once, backoff kept"
    fake.down.clear()
    for path in queue.pending(fake.d):  # another run (or a hand) made them due
        entry = safefs.read_json(path)
        entry["next_try"] = 0
        safefs.write_json(path, entry)
    assert drain.flush(q)[:2] == (2, 0)
    assert fake.got[2:] == [("a", 1), ("a", 3)]
    assert queue.pending(fake.d) == []
    assert fake.locked and all(fake.locked), "sent while the queue's lock is held"


def test_the_backoff_and_saying_every_try_are_the_channels(fake):
    q = fake.drain(backoff=lambda attempts: 7.0 * attempts, say_every_try=True)
    [path] = put(fake, ("a", 1))
    fake.down.add("a")
    drain.flush(q)
    entry = safefs.read_json(path)
    assert entry["attempts"] == 1 and 0 < entry["next_try"] - time.time() <= 7.0
    entry["next_try"] = 0
    safefs.write_json(path, entry)
    drain.flush(q)
    assert [d for _, _, d in fake.said] == [7.0, 14.0]


def test_an_unreadable_entry_is_moved_aside_never_deleted(fake, sent):
    fake.d.mkdir(parents=True)
    (fake.d / "0-garbage.json").write_bytes(b"\x00not json")
    (fake.d / "1-wrong.json").write_text('{"to": 1, "n": 1}')
    put(fake, ("a", 2))
    assert drain.run(fake.drain(), limit=0) == (1, 0)
    assert sorted(p.name for p in (fake.d / "unreadable").iterdir()) == [
        "0-garbage.json",
        "1-wrong.json",
    ]
    assert len([f for _, f in sent if f["DJOPS_EVENT"] == "notify.failed"]) == 2


def test_what_is_queued_during_a_run_goes_in_that_run(fake):
    put(fake, ("a", 1))
    fake.during = lambda: put(fake, ("a", 2))
    assert drain.run(fake.drain(), limit=0) == (2, 0)
    assert fake.got == [("a", 1), ("a", 2)]


def test_the_channel_gives_up_before_anything_is_sent(fake):
    put(fake, ("a", 1), ("a", 2))
    seen = []

    def give_up(entries, load):
        seen.extend(load(p)["n"] for p in entries)
        entries[0].unlink()
        return entries[1:]

    assert drain.run(fake.drain(give_up=give_up), limit=0) == (1, 0)
    assert seen == [1, 2] and fake.got == [("a", 2)]
