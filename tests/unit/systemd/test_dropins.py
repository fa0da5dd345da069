from djops.systemd import dropins


def test_write_is_idempotent_and_remove_takes_only_ours(confdir, tmp_path):
    units = {"djops-clearsessions@p.service": "[Service]\nUser=p\n"}
    assert dropins.write("p", units) == ["djops-clearsessions@p.service"]
    assert dropins.write("p", units) == []
    path = dropins.path_of("djops-clearsessions@p.service")
    assert "User=p" in path.read_text() and "djops disable" in path.read_text()
    mine = path.parent / "local.conf"
    mine.write_text("[Service]\nNice=5\n")
    assert dropins.remove(list(units)) is True
    assert not path.exists() and mine.exists(), "a user's own drop-in is never removed"
    assert dropins.remove(list(units)) is False


def test_a_dropin_in_the_projects_own_unit_says_what_it_adds(confdir):
    path = dropins.path_of("shop.service")
    assert path.name == "djops-onfailure.conf" and path.parent.name == "shop.service.d"
