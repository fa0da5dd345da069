"""Planned windows: what djops does to P.service itself, with an expiry, and
no window from a note that is garbage, stale or not root's."""

import json
import os

import pytest

from djops import paths
from djops.health import planned

T0 = 1_780_000_000.0


@pytest.fixture(autouse=True)
def run_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_RUN_DIR", str(tmp_path))
    (tmp_path / "djops").mkdir(mode=0o700)
    return tmp_path / "djops"


def test_the_note_lives_in_roots_own_runtime_directory(run_dir):
    assert paths.planned_window("shop") == paths.private_run_dir() / "planned-shop.json"
    assert paths.planned_window("shop").parent == run_dir


def test_a_window_is_open_until_it_expires():
    assert planned.active("p", T0) == ""
    planned.mark("p", 300, "reload (handover)", now=T0)
    assert planned.active("p", T0) == "reload (handover)"
    assert planned.active("p", T0 + 299) == "reload (handover)"
    assert planned.active("p", T0 + 300) == "", "a writer killed meanwhile hides nothing past it"
    assert planned.active("q", T0) == "", "one project's window is not another's"
    assert oct(paths.planned_window("p").stat().st_mode & 0o777) == "0o600"


def test_the_window_closes_at_the_end_of_what_it_surrounds():
    with planned.window("p", 300, "reload (restart)"):
        assert planned.active("p") == "reload (restart)"
    assert planned.active("p") == ""


def test_a_window_that_closed_while_the_probes_ran_still_excuses_them():
    """A 3-second restart inside a round whose http probe waited 10 s."""
    planned.mark("p", 300, "reload (restart)", now=T0 + 2)
    planned.clear("p", now=T0 + 5)
    assert planned.active("p", now=T0 + 10, since=T0) == "reload (restart)"
    assert planned.active("p", now=T0 + 70, since=T0 + 60) == "", "the next round counts"


def test_the_window_closes_when_what_it_surrounds_fails():
    with pytest.raises(RuntimeError), planned.window("p", 300, "reload"):
        raise RuntimeError("handover failed")
    assert planned.active("p") == ""


def test_the_end_of_one_window_does_not_close_a_later_one():
    with planned.window("p", 300, "reload"):
        planned.mark("p", 120, "self-healing restart")
    assert planned.active("p") == "self-healing restart"


def test_a_window_that_cannot_be_written_never_fails_the_reload(run_dir):
    run_dir.rmdir()
    with planned.window("p", 300, "reload"):
        assert planned.active("p") == ""


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "[]",
        '{"since": "x", "until": 9e99}',
        '{"since": true, "until": 9e99}',
        '{"until": 9e99}',
        json.dumps({"since": T0 + 3600, "until": T0 + 7200, "why": "written in the future"}),
        json.dumps({"since": T0 - 600, "until": T0 - 1, "why": "over"}),
    ],
)
def test_garbage_or_stale_notes_are_no_window(text):
    paths.planned_window("p").write_text(text)
    assert planned.active("p", T0) == ""


def test_no_note_excuses_more_than_an_hour():
    paths.planned_window("p").write_text(json.dumps({"since": T0, "until": T0 + 86400, "why": "w"}))
    assert planned.active("p", T0 + 3599) == "w"
    assert planned.active("p", T0 + 3600) == ""


def test_a_note_without_a_reason_still_says_planned():
    paths.planned_window("p").write_text(
        json.dumps({"since": T0, "until": T0 + 60, "why": "\x1b[2J"})
    )
    assert planned.active("p", T0) == "planned"


def test_a_link_is_no_window(tmp_path):
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps({"since": T0, "until": T0 + 60, "why": "w"}))
    os.symlink(target, paths.planned_window("p"))
    assert planned.active("p", T0) == ""


@pytest.mark.skipif(os.getuid() != 0, reason="chown needs root")
def test_as_root_a_note_someone_else_wrote_is_no_window():
    planned.mark("p", 60, "w", now=T0)
    os.chown(paths.planned_window("p"), 65534, 65534)
    assert planned.active("p", T0) == ""


def test_a_reload_seen_by_three_rounds_of_health_gives_no_step():
    """The round as the daemon makes it: the window read, then the incident."""
    from djops.health.incident import Incident

    inc, steps = Incident(1, 3, 5), []
    stopping = {"service": (False, "p.service deactivating (stop-sigterm)"), "http": (False, "x")}
    with planned.window("p", planned.RELOAD_SECONDS, "reload (handover)"):
        for _ in range(3):
            steps += inc.observe(stopping, T0, planned=bool(planned.active("p")))
    steps += inc.observe({"service": (True, "active"), "http": (True, "200")}, T0)
    assert steps == [] and inc.id == ""
    assert [s.step.event for s in inc.observe(stopping, T0, bool(planned.active("p")))] == [
        "health.degraded"
    ], "after the window, a failure is one again"
