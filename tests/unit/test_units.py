"""The unit files: one shared sandbox drop-in, and each unit says only what
differs for it (the e2e suite scores each with systemd-analyze security)."""

from pathlib import Path

UNITS = Path(__file__).resolve().parents[2] / "units"
SHARED = UNITS / "djops-.service.d" / "50-hardening.conf"


def _settings(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text().splitlines() if "=" in ln and ln[0] != "#"]


def test_every_service_gets_the_shared_sandbox_and_repeats_none_of_it():
    shared = set(_settings(SHARED)) - {"[Service]"}
    assert "ProtectSystem=strict" in shared and len(shared) >= 15
    services = sorted(UNITS.glob("*.service"))
    assert len(services) == 11
    for unit in services:
        assert unit.name.startswith("djops-"), "the prefix drop-in only covers djops-*"
        assert not shared & set(_settings(unit)), unit.name
        assert "djops-.service.d/50-hardening.conf" in unit.read_text(), unit.name


def test_system_call_filters_stay_in_each_unit_allow_list_first():
    """Their order matters (the first decides allow or deny), so none is shared."""
    assert not [s for s in _settings(SHARED) if s.startswith("SystemCallFilter")]
    for unit in sorted(UNITS.glob("*.service")):
        filters = [s for s in _settings(unit) if s.startswith("SystemCallFilter=")]
        assert filters[0] == "SystemCallFilter=@system-service", unit.name


def test_every_unit_but_the_mail_queue_forbids_new_privileges():
    for unit in sorted(UNITS.glob("*.service")):
        nnp = "NoNewPrivileges=yes" in _settings(unit)
        assert nnp == (unit.name != "djops-mailqueue.service"), unit.name
