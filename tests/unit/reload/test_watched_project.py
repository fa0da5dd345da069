"""A project's P.toml reloaded while its watcher runs a reload: the result
still reaches STATUS= (a new watcher said "no reload yet" for good; e2e
test_30 after test_15/20 caught it)."""

from types import SimpleNamespace

from djops.reload.watched_project import Project


def cfg(root, debounce: float):
    return SimpleNamespace(
        watch=SimpleNamespace(paths=[str(root)], debounce_seconds=debounce),
        project=SimpleNamespace(settings_dir=str(root)),
    )


def test_a_reload_running_while_p_toml_changes_reports_to_the_project_that_replaced_it(tmp_path):
    old = Project("p", cfg(tmp_path, 2.0), None)
    new = Project("p", cfg(tmp_path, 1.0), None, was=old)
    old.watcher.last = "last reload 12:00:00 applied"  # the reload's thread ends now
    assert new.status().endswith("applied")
    assert new.watcher.debounce == 1.0


def test_new_roots_get_a_new_watcher_that_keeps_what_was_said(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    old = Project("p", cfg(tmp_path / "a", 2.0), None)
    old.watcher.last, old.watcher.reloads = "last reload 12:00:00 rejected", 1
    new = Project("p", cfg(tmp_path / "b", 2.0), None, was=old)
    assert new.watcher is not old.watcher
    assert new.status().endswith("rejected") and new.watcher.reloads == 1
