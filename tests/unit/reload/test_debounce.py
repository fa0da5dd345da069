"""The watcher's debounce and rerun logic, with real files and a fake reload."""

import threading
import time

from djops.reload.debounce import Watcher


def run_for(w: Watcher, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        w.step(0.02)


def make(tmp_path, debounce=0.2, block: threading.Event | None = None):
    (tmp_path / "settings.py").write_text("A = 0\n")
    calls: list[list[str]] = []

    def apply(changed):
        calls.append(changed)
        if block:
            block.wait(5)
        return "applied"

    return Watcher([str(tmp_path)], debounce, apply), calls


def test_a_burst_gives_exactly_one_reload_after_the_last_write(tmp_path):
    w, calls = make(tmp_path)
    f = tmp_path / "settings.py"
    started = time.monotonic()
    for i in range(40):
        with f.open("a") as out:
            out.write(f"B{i} = {i}\n")
        w.saw(str(f))
        w.step(0.005)
    last_write = time.monotonic()
    assert calls == []
    run_for(w, 0.6)
    assert calls == [[str(f)]]
    assert w.worker is not None
    w.worker.join(1)
    assert w.reloads == 1
    assert last_write - started < 1.0
    assert "last reload" in w.status() and "applied" in w.status()


def test_touch_gives_no_reload(tmp_path):
    w, calls = make(tmp_path)
    f = tmp_path / "settings.py"
    f.touch()
    f.write_text("A = 0\n")
    w.saw(str(f))
    run_for(w, 0.5)
    assert calls == []


def test_ignored_paths_do_not_even_start_the_debounce(tmp_path):
    w, _ = make(tmp_path)
    w.saw(str(tmp_path / ".settings.py.swp"))
    w.saw(str(tmp_path / "__pycache__" / "settings.cpython-311.pyc"))
    w.step(0.01)
    assert w.deadline is None


def test_a_change_during_a_reload_gives_exactly_one_more(tmp_path):
    gate = threading.Event()
    w, calls = make(tmp_path, block=gate)
    f = tmp_path / "settings.py"
    f.write_text("A = 1\n")
    w.saw(str(f))
    run_for(w, 0.4)
    assert len(calls) == 1 and w.busy()
    for i in range(3):  # changes while the first reload runs
        f.write_text(f"A = {i + 2}\n")
        w.saw(str(f))
        w.step(0.01)
    run_for(w, 0.5)
    assert len(calls) == 1, "never two reloads at once"
    gate.set()
    run_for(w, 0.5)
    assert len(calls) == 2
    w.worker.join(1)
    run_for(w, 0.5)
    assert len(calls) == 2
