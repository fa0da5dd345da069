"""The file items of `djops check` against a real temp tree."""

import importlib.util
import os
import py_compile

from djops import config
from djops.checklist import report, server


def test_secret_files_must_be_private_and_bytecode_fresh_and_no_more_readable(project, tmp_path):
    cfg = config.load(project)
    settings = tmp_path / "etc-opt-p"
    src = settings / "settings.py"
    src.write_text('SECRET_KEY = "a-secret-value-of-some-length"\n')
    src.chmod(0o644)
    items = server._files(cfg)
    [secret] = [i for i in items if "holds secrets" in i.text]
    assert secret.level == report.FAIL and "chmod 0640" in secret.text
    assert "a-secret-value" not in secret.text
    [stale] = [i for i in items if "missing or stale" in i.text]
    assert stale.level == report.WARN and f"djops reload {project}" in stale.text
    src.chmod(0o640)
    pyc = importlib.util.cache_from_source(str(src))
    py_compile.compile(str(src), cfile=pyc, doraise=True)
    os.chmod(pyc, 0o644)
    items = server._files(cfg)
    [loose] = [i for i in items if "more readable than" in i.text]
    assert loose.level == report.FAIL
    os.chmod(pyc, 0o640)
    assert not [i for i in server._files(cfg) if "pyc" in i.text]
