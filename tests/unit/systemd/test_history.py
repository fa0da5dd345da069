"""The journal is read again for a unit only once it ran again."""

from djops.systemd import history


def test_a_read_is_kept_until_the_unit_exits_again(monkeypatch):
    exits = {"stamp": "100"}
    monkeypatch.setattr(
        history.systemctl,
        "show",
        lambda unit, *props: {"ExecMainExitTimestampMonotonic": exits["stamp"]},
    )
    reads = []
    seen = history.SinceExit()
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 1
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 1
    exits["stamp"] = "200"
    assert seen.get("u", lambda: reads.append(1) or len(reads)) == 2


def test_nothing_in_the_journal_says_never(monkeypatch):
    monkeypatch.setattr(history.journal, "last_event", lambda *a, **k: None)
    assert history.last_run("p", ("job.done",), "a") == history.NEVER
    assert history.last_event("p", ("reload.applied",)) == history.NEVER
