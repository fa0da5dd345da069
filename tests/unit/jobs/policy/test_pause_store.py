"""A pause is seen at once, however the health round caches the listing."""

import os
import time

from djops.jobs.policy import pause_store


def test_a_pause_and_a_resume_are_seen_at_once_with_the_listing_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_ROOT", str(tmp_path))
    assert pause_store.active("p", "nightly") is None  # no directory yet
    pause_store.write("p", "other", None)
    old = time.time() - 60  # a directory last changed a minute ago: its listing is kept
    os.utime(pause_store.path("p", ""), (old, old))
    assert pause_store.active("p", "nightly") is None
    assert pause_store.active("p", "other") is not None
    pause_store.write("p", "nightly", None)  # the rename moves the directory's mtime
    assert pause_store.active("p", "nightly") is not None
    assert pause_store.remove("p", "nightly")
    assert pause_store.active("p", "nightly") is None


def test_a_listing_of_this_very_moment_is_not_kept(tmp_path, monkeypatch):
    """Two changes within one tick of the file system's clock leave the same
    mtime: a listing made then is never trusted later."""
    monkeypatch.setenv("DJOPS_ROOT", str(tmp_path))
    pause_store.write("p", "other", None)
    now = time.time()
    d = pause_store.path("p", "")
    os.utime(d, (now, now))
    assert pause_store.active("p", "nightly") is None
    (d / "nightly").write_text('{"since": 1, "until": null}')
    os.utime(d, (now, now))  # the same mtime as when it was listed
    assert pause_store.active("p", "nightly") is not None
