"""A followed run shows its own lines as they come, never its events, and
stops waiting once its result is logged or shortly after the unit ended."""

from djops.systemd import follow


class Reader:
    """The journal of one invocation: `batches` arrive one per wait()."""

    def __init__(self, *batches):
        self.batches, self.pending, self.matches = list(batches), [], {}
        self.waits, self.closed = 0, False

    def add_match(self, **kw):
        self.matches.update(kw)

    def seek_head(self):
        pass

    def wait(self, timeout):
        self.waits += 1
        if self.batches:
            self.pending += self.batches.pop(0)

    def get_next(self):
        return self.pending.pop(0) if self.pending else {}

    def close(self):
        self.closed = True


def line(text):
    return {"MESSAGE": text, "_SYSTEMD_INVOCATION_ID": "a1"}


def test_lines_are_shown_as_they_come_and_events_are_not():
    shown = []
    reader = Reader(
        [line("one")], [], [line("two\x1b[31m"), {"MESSAGE": "done", "DJOPS_EVENT": "job.done"}]
    )
    f = follow.Follow("a1", shown.append, ("job.done",), reader=reader)
    assert reader.matches == {"_SYSTEMD_INVOCATION_ID": "a1"}
    f.poll(0.2)
    assert shown == ["one"]
    f.poll(0.2)
    assert shown == ["one"] and not f.ended
    f.poll(0.2)
    assert shown == ["one", "two\\x1b[31m"]  # escaped, as every line read back
    assert f.ended


def test_finish_reads_the_tail_until_the_result_then_closes():
    shown = []
    reader = Reader(
        [], [line("last")], [{"MESSAGE": "r", "DJOPS_EVENT": "job.failed"}], [line("never")]
    )
    f = follow.Follow("a1", shown.append, ("job.done", "job.failed"), reader=reader)
    f.finish()
    assert shown == ["last"] and reader.closed and reader.waits == 3


def test_finish_gives_up_after_the_tail_time(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(follow.time, "monotonic", lambda: now[0])
    reader = Reader()
    reader.wait = lambda timeout: now.__setitem__(0, now[0] + 0.5)
    follow.Follow("a1", print, ("job.done",), reader=reader).finish()
    assert now[0] <= follow.TAIL + 0.5 and reader.closed
