"""Unit names: what djops reads back from a unit's name."""

from djops.systemd import units


def test_the_job_a_unit_runs():
    assert units.job_of_unit("djops-job@shop:backup.service") == "backup"
    assert units.job_of_unit("djops-clearsessions@shop.service") == "clearsessions"
    assert units.job_of_unit("djops-reload@shop.service") is None
