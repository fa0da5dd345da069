"""The DST finder: zones with and without DST, both hemispheres, a schedule
in the gap and in the overlap, checked against systemd itself."""

import subprocess
from datetime import UTC, datetime

import pytest

from djops import config
from djops.checklist import schedules
from djops.jobs import dst

# schedules as systemd itself computes them
pytestmark = pytest.mark.host("systemd-analyze")

START = datetime(2026, 1, 1, tzinfo=UTC)


def kinds(schedule: str, zone: str) -> list[tuple[str, str]]:
    return [(t.kind, f"{t.at:%Y-%m-%d %H:%M}") for t in dst.traps(schedule, zone, START)]


def test_berlin_skips_0230_in_march_and_passes_it_twice_in_october():
    assert kinds("*-*-* 02:30", "Europe/Berlin") == [
        ("gap", "2026-03-29 02:30"),
        ("overlap", "2026-10-25 02:30"),
    ]
    assert (
        kinds("*-*-* 01:30", "Europe/Berlin") == [] and kinds("*-*-* 03:00", "Europe/Berlin") == []
    )


def test_the_southern_hemisphere_falls_back_in_april_and_springs_forward_in_october():
    assert kinds("*-*-* 02:15", "Australia/Sydney") == [
        ("overlap", "2026-04-05 02:15"),
        ("gap", "2026-10-04 02:15"),
    ]


@pytest.mark.parametrize(
    "zone", ["UTC", "Asia/Tokyo", "America/Sao_Paulo"]
)  # no DST (Brazil: since 2019)
def test_zones_without_dst_have_no_traps(zone):
    assert kinds("*:0/15", zone) == []


def test_a_frequent_schedule_meets_every_change():
    assert [k for k, _ in kinds("*:0/15", "America/New_York")] == ["gap", "overlap"]


def test_systemd_itself_skips_the_gap_run_the_finder_names():
    [gap] = [t for t in dst.traps("*-*-* 02:30", "Europe/Berlin", START) if t.kind == "gap"]
    base = int(datetime(2026, 3, 28, 12, tzinfo=UTC).timestamp())
    out = subprocess.run(
        ["systemd-analyze", "calendar", f"--base-time=@{base}", "*-*-* 02:30 Europe/Berlin"],
        capture_output=True, text=True, env={"TZ": "UTC"}, check=True,
    ).stdout  # fmt: skip
    assert f"{gap.at:%Y-%m-%d}" not in out and "2026-03-30" in out


def test_djops_check_lists_each_trap_with_what_to_do(project, confdir):
    path = confdir / f"{project}.toml"
    path.write_text(
        path.read_text() + '[jobs.night]\ncommand = ["x"]\nschedule = "*-*-* 02:30"\n'
        'timezone = "Europe/Berlin"\n[jobs.boot]\nexec = ["/bin/true"]\nschedule = "@reboot"\n'
    )
    cfg = config.load(project, live=False)
    got = schedules.items(cfg, START)
    texts = [i.text for i in got if i.level == "warn"]
    assert len(texts) == 2 and "systemd skips that run" in texts[0] and "2026-03-29" in texts[0]
    assert "comes twice" in texts[1] and 'timezone = "UTC"' in texts[1]
