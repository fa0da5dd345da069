"""The watcher as a service, with real inotify: a watched directory deleted,
swapped by a rename, or an inotify limit hit; it says so, polls meanwhile,
and watches again, applying what changed while it was blind."""

import errno
import os
import shutil
import time

import pytest

from djops.reload import fswatch, request, watch, watched_project


@pytest.fixture
def daemon(project, tmp_path, confdir, monkeypatch, sent):
    settings = tmp_path / "etc-opt-p"
    (settings / "settings.py").write_text("A = 1\n")
    path = confdir / f"{project}.toml"
    path.write_text(path.read_text() + f'[watch]\npaths = ["{settings}"]\ndebounce_seconds = 0.1\n')
    monkeypatch.setattr(watched_project, "POLL_SECONDS", 0.2)
    requests: list[list[str]] = []
    monkeypatch.setattr(
        request, "apply", lambda p, changed, settings_dir: requests.append(changed) or "applied"
    )
    d = watch.HostWatch([project])
    d.first()
    yield d, settings, requests
    if d.observer is not None:
        fswatch.stop(d.observer)


def run(d, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        d.step(0.05)


def until(d, done, seconds=20.0):
    """Step until done() (a loaded host takes seconds), at most `seconds`."""
    end = time.monotonic() + seconds
    while not done() and time.monotonic() < end:
        d.step(0.05)


def events(sent):
    return [f["DJOPS_EVENT"] for _, f in sent]


def test_a_deleted_and_recreated_directory_is_noticed_and_watched_again(daemon, sent):
    d, settings, requests = daemon
    assert d.status().startswith("watching 1 file")
    keep = settings.parent / "keep"
    shutil.copytree(settings, keep)
    shutil.rmtree(settings)
    run(d, 0.5)
    assert "watch.degraded" in events(sent)
    assert d.status().startswith("NOT WATCHING (")
    shutil.copytree(keep, settings)
    run(d, 1.0)
    assert events(sent)[-1] == "watch.recovered"
    assert d.status().startswith("watching 1 file")
    (settings / "settings.py").write_text("A = 2\n")  # inotify works again
    run(d, 1.0)
    assert requests[-1] == [str(settings / "settings.py")]


def test_a_directory_swapped_by_rename_is_followed_to_the_new_one(daemon, sent):
    d, settings, requests = daemon
    new = settings.parent / "new"
    new.mkdir()
    (new / "settings.py").write_text("A = 3\n")
    os.rename(settings, settings.parent / "old")
    os.rename(new, settings)
    run(d, 1.5)
    assert events(sent)[:2] == ["watch.degraded", "watch.recovered"]
    assert "replaced" in sent[0][1]["DJOPS_REASON"] or "removed" in sent[0][1]["DJOPS_REASON"]
    assert requests == [[str(settings / "settings.py")]], "the new content is applied"
    (settings.parent / "old" / "settings.py").write_text("A = 4\n")
    run(d, 0.5)
    assert len(requests) == 1, "the old directory is no longer watched"


def test_an_inotify_limit_is_said_and_polling_keeps_changes_coming(daemon, sent, monkeypatch):
    d, settings, requests = daemon
    real_start = fswatch.start

    def no_watches(*a):
        raise OSError(errno.ENOSPC, "inotify watch limit reached")

    fswatch.stop(d.observer)
    monkeypatch.setattr(fswatch, "start", no_watches)
    run(d, 0.5)
    assert "raise fs.inotify.max_user_watches" in d.status()
    degraded = [f for _, f in sent if f["DJOPS_EVENT"] == "watch.degraded"][-1]
    assert degraded["PRIORITY"] == "3" and "max_user_watches" in degraded["DJOPS_REASON"]
    (settings / "settings.py").write_text("A = 5\n")
    run(d, 1.0)
    assert requests == [[str(settings / "settings.py")]], "polling noticed it"
    monkeypatch.setattr(fswatch, "start", real_start)
    run(d, 0.6)
    assert events(sent)[-1] == "watch.recovered"
    assert d.status().startswith("watching")


def test_one_observer_serves_every_project_each_with_its_own_reloads(
    project, tmp_path, confdir, monkeypatch, sent
):
    monkeypatch.setattr(watched_project, "POLL_SECONDS", 0.2)
    requests: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(
        request,
        "apply",
        lambda p, changed, settings_dir: requests.append((p, changed)) or "applied",
    )
    base = (confdir / f"{project}.toml").read_text()
    dirs = {}
    for p in ("a", "b"):
        dirs[p] = tmp_path / f"etc-opt-{p}"
        dirs[p].mkdir()
        (dirs[p] / "settings.py").write_text("A = 1\n")
        (confdir / f"{p}.toml").write_text(
            base + f'[watch]\npaths = ["{dirs[p]}"]\ndebounce_seconds = 0.1\n'
        )
    d = watch.HostWatch(["a", "b"])
    d.first()
    try:
        assert len(d.observer.emitters) == 2, "one observer, a watch per root"
        assert d.status().startswith("watching 2 projects (2 files)")
        (dirs["b"] / "settings.py").write_text("A = 2\n")
        until(d, lambda: requests)
        assert requests == [("b", [str(dirs["b"] / "settings.py")])]
        assert "last reload of b" in d.status()
        shutil.rmtree(dirs["a"])
        until(d, lambda: "a NOT WATCHING (" in d.status())
        assert "a NOT WATCHING (" in d.status()
        (dirs["b"] / "settings.py").write_text("A = 3\n")
        b = ("b", [str(dirs["b"] / "settings.py")])
        until(d, lambda: b in requests[1:])  # a's removal may be a request of a's own
        assert b in requests[1:], "b is watched on"
    finally:
        if d.observer is not None:
            fswatch.stop(d.observer)


def test_the_watcher_follows_djops_enable_and_disable(project, tmp_path, confdir, monkeypatch):
    """djops enable P enables djops@P.target: the host watcher takes P up at
    its next look (a few seconds, or at once on SIGHUP), and lets it go."""
    monkeypatch.setattr(request, "apply", lambda p, changed, settings_dir: "applied")
    settings = tmp_path / "etc-opt-p"
    path = confdir / f"{project}.toml"
    path.write_text(path.read_text() + f'[watch]\npaths = ["{settings}"]\n')
    wants = tmp_path / "systemd" / "multi-user.target.wants"
    wants.mkdir(parents=True)
    d = watch.HostWatch()
    d.first()
    try:
        assert d.projects == {} and d.status() == "watching 0 projects (0 files)"
        (wants / f"djops@{project}.target").symlink_to("/dev/null")
        d._on_hup(1, None)  # what `systemctl reload djops-watch` sends
        for _ in range(500):  # a loaded host (an e2e run beside) takes seconds
            d.step(0.02)
            if project in d.projects and d.observer is not None:
                break
        assert d.status().startswith("watching 0 files"), d.status()
        (wants / f"djops@{project}.target").unlink()
        d.next_scan = 0.0
        d.step(0.01)
        assert d.projects == {}
    finally:
        if d.observer is not None:
            fswatch.stop(d.observer)


def test_a_config_change_while_blind_still_ends_in_a_recovery(daemon, sent, confdir, project):
    """P.toml reloaded after the directory came back but before the next poll
    saw it (`djops enable` at that moment): the new Project takes over the
    old one's trouble, so "watches again" is still said."""
    d, settings, _requests = daemon
    keep = settings.parent / "keep"
    shutil.copytree(settings, keep)
    shutil.rmtree(settings)
    run(d, 0.5)
    assert "watch.degraded" in events(sent)
    d.projects[project].next_try = time.monotonic() + 3600  # the poll comes later
    shutil.copytree(keep, settings)
    path = confdir / f"{project}.toml"
    path.write_text(path.read_text().replace("debounce_seconds = 0.1", "debounce_seconds = 0.15"))
    d.next_scan = 0.0
    end = time.monotonic() + 30  # the loader thread reads P.toml (seconds on a loaded host)
    while d.projects[project].key[1] != 0.15 and time.monotonic() < end:
        d.step(0.02)
    run(d, 0.5)
    assert d.projects[project].key[1] == 0.15
    assert events(sent)[-1] == "watch.recovered"
    assert d.status().startswith("watching 1 file;"), d.status()
