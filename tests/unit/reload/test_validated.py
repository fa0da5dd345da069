"""The digest the compile step takes and the apply step compares."""

import os

from djops.reload import validated


def test_content_mode_and_new_files_change_the_digest_bytecode_does_not(tmp_path):
    root = tmp_path / "etc"
    (root / "__pycache__").mkdir(parents=True)
    (root / "settings.py").write_text("A = 1\n")
    roots = [str(root)]
    first = validated.digest(roots)
    (root / "__pycache__" / "settings.cpython-311.pyc").write_bytes(b"\0")
    os.utime(root / "settings.py")  # touch: same bytes
    assert validated.digest(roots) == first
    (root / "settings.py").write_text("A = 2\n")
    second = validated.digest(roots)
    assert second != first
    os.chmod(root / "settings.py", 0o600)
    assert validated.digest(roots) != second
    (root / "local.py").write_text("")
    assert validated.digest(roots) not in (first, second)
