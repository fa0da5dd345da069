"""djops_P.prom: the exposition format node-exporter reads, written whole."""

import os

import pytest

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
    collector = tmp_path / "node-exporter"
    collector.mkdir()
    target = textfile.write(str(collector), "p", [fam])
    assert target == collector / "djops_p.prom"
    assert 'djops_x_seconds{project="p"} 1763900000.25\n' in target.read_text()
    assert oct(os.stat(target).st_mode & 0o777) == "0o644"
    assert [f.name for f in collector.iterdir()] == ["djops_p.prom"], "no temp file left"


def test_a_collector_directory_swapped_for_a_symlink_is_not_followed(tmp_path):
    """prometheus owns /var/lib/prometheus and can replace node-exporter
    with a link to where root must not write."""
    fam = Family("djops_x_seconds", "x")
    fam.add(1.0, project="p")
    elsewhere = tmp_path / "etc-cron.d"
    elsewhere.mkdir()
    (tmp_path / "prometheus").mkdir()
    link = tmp_path / "prometheus" / "node-exporter"
    link.symlink_to(elsewhere)
    with pytest.raises(OSError):
        textfile.write(str(link), "p", [fam])
    (tmp_path / "up").symlink_to(tmp_path / "prometheus")  # a link higher up
    link.unlink()
    link.mkdir()
    with pytest.raises(OSError):
        textfile.write(str(tmp_path / "up" / "node-exporter"), "p", [fam])
    assert list(elsewhere.iterdir()) == []
    assert textfile.write(str(link), "p", [fam]) == link / "djops_p.prom"


def test_a_collector_directory_of_another_owner_is_refused(tmp_path, monkeypatch):
    fam = Family("djops_x_seconds", "x")
    fam.add(1.0, project="p")
    real = os.fstat
    d = tmp_path / "node-exporter"
    d.mkdir()
    ino = d.stat().st_ino

    def fstat(fd):
        st = real(fd)
        if st.st_ino != ino:
            return st
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, 4242, *st[5:]))

    monkeypatch.setattr(textfile.os, "fstat", fstat)
    with pytest.raises(PermissionError, match="owned by 4242"):
        textfile.write(str(d), "p", [fam])
    assert list(d.iterdir()) == []
