"""A gunicorn worker is warm once its loop touched its temp file."""

import os

from djops.reload import worker_ready


def worker(tmp_path, pid: int, mode: int, touched: bool):
    f = tmp_path / f"wgunicorn-{pid}"
    f.write_text("")
    os.chmod(f, mode)
    if touched:
        os.utime(f, (1234.5, 1234.5))  # gunicorn >= 21: a monotonic clock
    fd = tmp_path / "proc" / str(pid) / "fd"
    fd.mkdir(parents=True)
    (fd / "3").symlink_to("/dev/null")
    (fd / "7").symlink_to(f)


def test_fresh_temp_file_is_cold_touched_is_warm(tmp_path):
    worker(tmp_path, 10, 0o600, touched=False)
    worker(tmp_path, 11, 0o600, touched=True)
    worker(tmp_path, 12, 0o001, touched=False)  # gunicorn 20: fchmod spinner
    proc = tmp_path / "proc"
    assert worker_ready.touched(10, proc) is False
    assert worker_ready.touched(11, proc) is True
    assert worker_ready.touched(12, proc) is True
    assert worker_ready.touched(99, proc) is None


def test_a_worker_that_closed_its_files_while_dying_is_not_warm(monkeypatch):
    """gunicorn's worker that failed to load the app closes its files before it exits."""
    monkeypatch.setattr(worker_ready, "workers", lambda unit: (1, [2, 3]))
    seen = {2: None, 3: True}
    monkeypatch.setattr(worker_ready, "touched", lambda pid: seen[pid])
    assert worker_ready.warm("x.service") is False
    seen[2] = True
    assert worker_ready.warm("x.service") is True
    monkeypatch.setattr(worker_ready, "workers", lambda unit: (1, []))
    assert worker_ready.warm("x.service") is False
