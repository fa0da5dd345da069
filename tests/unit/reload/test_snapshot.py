import os

from djops.reload import snapshot


def test_editor_and_bytecode_files_are_not_relevant(tmp_path):
    roots = [str(tmp_path)]
    for name in ["settings.py", "sub/local.py", "data.json"]:
        assert snapshot.relevant(str(tmp_path / name), roots), name
    for name in [
        ".settings.py.swp",
        "settings.py~",
        ".#settings.py",
        "4913",
        "settings.py.tmp",
        "__pycache__/settings.cpython-311.pyc",
        "x.pyc",
        ".git/HEAD",
        ".hidden",
    ]:
        assert not snapshot.relevant(str(tmp_path / name), roots), name
    assert not snapshot.relevant("/elsewhere/settings.py", roots)


def test_touch_and_identical_rewrite_change_nothing_but_content_and_mode_do(tmp_path):
    f = tmp_path / "settings.py"
    f.write_text("A = 1\n")
    roots = [str(tmp_path)]
    before = snapshot.take(roots)
    os.utime(f, (1, 1))
    f.write_text("A = 1\n")
    assert snapshot.diff(before, snapshot.take(roots, before)) == []
    f.chmod(0o600)
    after_chmod = snapshot.take(roots, before)
    assert snapshot.diff(before, after_chmod) == [str(f)]
    f.write_text("A = 2\n")
    assert snapshot.diff(after_chmod, snapshot.take(roots, after_chmod)) == [str(f)]


def test_rename_over_delete_recreate_and_ignored_files(tmp_path):
    roots = [str(tmp_path)]
    (tmp_path / "a.py").write_text("A = 1\n")
    before = snapshot.take(roots)
    (tmp_path / ".a.py.swp").write_text("swap")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"x")
    assert snapshot.diff(before, snapshot.take(roots)) == []
    tmp = tmp_path / "a.py.tmp"
    tmp.write_text("A = 2\n")
    tmp.replace(tmp_path / "a.py")
    (tmp_path / "b.py").write_text("")
    assert snapshot.diff(before, snapshot.take(roots)) == [
        str(tmp_path / "a.py"),
        str(tmp_path / "b.py"),
    ]


def test_fifos_and_links_to_devices_never_hang_the_watcher(tmp_path):
    os.mkfifo(tmp_path / "fifo.py")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    (tmp_path / "settings.py").write_text("X = 1\n")
    snap = snapshot.take([str(tmp_path)])
    assert sorted(os.path.basename(p) for p in snap) == ["settings.py"]
