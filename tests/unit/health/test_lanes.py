"""The health daemon's lanes: rounds one after another in one thread, and
another lane only for what waits behind a round held past GRACE."""

import threading
import time

from djops.health.lanes import Lanes


def test_rounds_due_together_run_one_after_another_in_one_thread():
    seen: list[tuple[int, str]] = []
    drained = threading.Event()
    lanes = Lanes(lambda i: seen.append((i, threading.current_thread().name)), drained.set)
    lanes.put(*range(100))
    assert drained.wait(2) and lanes.idle(1)
    assert [i for i, _ in seen] == list(range(100)), "in the order they came due"
    assert {name for _, name in seen} == {"lane-1"}, "one thread for all"


def test_a_held_round_delays_the_others_by_at_most_grace():
    hang, done = threading.Event(), {}

    def run(item: str) -> None:
        if item == "hung":
            hang.wait(5)
        done[item] = time.monotonic()

    lanes = Lanes(run, lambda: None, grace=0.1)
    t0 = time.monotonic()
    for item in ("hung", "a", "b"):
        lanes.put(item)
    while "b" not in done and time.monotonic() - t0 < 2:
        time.sleep(lanes.open_if_stuck() or 0.01)  # the main loop's part
    assert "hung" not in done
    assert done["a"] - t0 < 0.5 and done["b"] - t0 < 0.5, done
    hang.set()
    assert lanes.idle(2) and "hung" in done


def test_no_lane_opens_while_one_is_between_rounds_or_within_grace():
    hang = threading.Event()
    lanes = Lanes(lambda item: hang.wait(5), lambda: None, grace=60)
    lanes.put(1)
    lanes.put(2)
    time.sleep(0.05)
    left = lanes.open_if_stuck()
    assert lanes.opened == 1 and left is not None and 59 < left <= 60
    hang.set()
    assert lanes.idle(2) and lanes.open_if_stuck() is None


def test_rounds_put_one_by_one_never_run_two_at_once():
    running, most = [0], [0]
    lock = threading.Lock()

    def run(item: int) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.001)
        with lock:
            running[0] -= 1

    lanes = Lanes(run, lambda: None)
    for i in range(50):
        lanes.put(i)
    assert lanes.idle(2) and most == [1]
