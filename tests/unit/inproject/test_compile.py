"""The compile step of the coming validated reload (issue 3)."""

import os
import sys

from djops.inproject import compile as compile_step
from djops.inproject.redact import Redactor


def test_pyc_is_no_more_readable_than_its_source(tmp_path):
    settings = tmp_path / "etc"
    settings.mkdir(mode=0o750)
    os.chmod(settings, 0o750)
    src = settings / "settings.py"
    src.write_text("DEBUG = False\n")
    os.chmod(src, 0o640)
    report, status = compile_step.run([str(settings)], Redactor())
    assert status == 0 and report["changed"] == [str(src)]
    tag = sys.implementation.cache_tag
    pyc = settings / "__pycache__" / f"settings.{tag}.pyc"
    assert pyc.stat().st_mode & 0o777 == 0o640
    assert (settings / "__pycache__").stat().st_mode & 0o777 == 0o750
    report, _ = compile_step.run([str(settings)], Redactor())
    assert report["changed"] == [], "fresh files are not compiled again"


def test_syntax_error_is_reported_without_the_secret(tmp_path):
    (tmp_path / "settings.py").write_text("EMAIL_HOST_PASSWORD = 'hunter2\n")
    report, status = compile_step.run([str(tmp_path)], Redactor.from_settings_dir(str(tmp_path)))
    assert status == 1
    assert "SyntaxError" in report["error"] and "hunter2" not in report["error"]
