"""Root's file access: trust only what root alone can change, never follow
a planted link, never block on a FIFO or read without bound."""

import os
import stat

import pytest

from djops import safefs

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="ownership checks need root")


def test_root_only_tree_is_trusted_and_a_writable_one_is_not(tmp_path):
    ok = tmp_path / "opt" / "p"
    ok.mkdir(parents=True)
    safefs.check_root_only(str(ok))
    os.chmod(ok, 0o777)
    with pytest.raises(safefs.Unsafe, match=r"chown root:root .*; chmod go-w"):
        safefs.check_root_only(str(ok))
    os.chmod(ok, 0o755)
    os.chown(ok.parent, 65534, 65534)  # nobody owns a directory above
    with pytest.raises(safefs.Unsafe, match="writable by nobody"):
        safefs.check_root_only(str(ok))


def test_a_symlink_is_judged_by_its_target_and_the_path_to_it(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, 65534, 65534)
    link = tmp_path / "link"
    link.symlink_to(theirs)
    with pytest.raises(safefs.Unsafe):
        safefs.check_root_only(str(link))


def test_read_refuses_links_fifos_devices_and_huge_files(tmp_path):
    good = tmp_path / "state.json"
    good.write_text('{"a": 1}')
    assert safefs.read_json(good) == {"a": 1}
    link = tmp_path / "link.json"
    link.symlink_to(good)
    with pytest.raises(OSError):
        safefs.read_bytes(link)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(OSError):  # and it returns at once: O_NONBLOCK
        safefs.read_bytes(fifo)
    with pytest.raises(OSError):
        safefs.read_bytes("/dev/zero", follow=True)
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(safefs.MAX_STATE_BYTES + 1)
    with pytest.raises(OSError):
        safefs.read_bytes(big)


def test_write_never_writes_through_a_planted_link(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    target = tmp_path / "note.json"
    # a planted temp name and a planted final name are both links to the victim
    (tmp_path / f".note.json.{os.getpid()}.tmp").symlink_to(victim)
    target.symlink_to(victim)
    safefs.write_json(target, ["changed"])
    assert victim.read_text() == "keep me"
    assert not target.is_symlink() and safefs.read_json(target) == ["changed"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
