"""djops_P.prom: the exposition format node-exporter reads, written whole."""

import os

from djops.metrics import textfile
from djops.metrics.textfile import Family


def test_render_follows_the_exposition_format():
    up = Family("djops_health_check_up", "1 if the check passed")
    up.add(1.0, project="shop", check="http")
    up.add(0.0, project="shop", check='we"ird\\')
    empty = Family("djops_job_last_exit_code", "nothing yet")
    text = textfile.render([up, empty])
    assert text == (
        "# HELP djops_health_check_up 1 if the check passed\n"
        "# TYPE djops_health_check_up gauge\n"
        'djops_health_check_up{check="http",project="shop"} 1\n'
        'djops_health_check_up{check="we\\"ird\\\\",project="shop"} 0\n'
    )


def test_written_only_where_the_collector_directory_exists(tmp_path):
    fam = Family("djops_x_seconds", "x")
    fam.add(1763900000.25, project="p")
    assert textfile.write(str(tmp_path / "missing"), "p", [fam]) is None
    assert textfile.write("", "p", [fam]) is None
    target = textfile.write(str(tmp_path), "p", [fam])
    assert target == tmp_path / "djops_p.prom"
    assert 'djops_x_seconds{project="p"} 1763900000.25\n' in target.read_text()
    assert oct(os.stat(target).st_mode & 0o777) == "0o644"
    assert [f.name for f in tmp_path.iterdir()] == ["djops_p.prom"], "no temp file left"
