"""[watch] restart's modes are one table: the key's choices and description,
the config check and the apply step all read it."""

import dataclasses

import pytest

from djops import config
from djops.config import restart_modes, schema
from djops.errors import ConfigError


def test_the_key_offers_exactly_the_modes_of_the_table():
    (restart,) = [f for f in dataclasses.fields(schema.Watch) if f.name == "restart"]
    assert restart.default == restart_modes.DEFAULT
    for name, mode in restart_modes.MODES.items():
        assert restart.metadata["check"](name) == name
        assert mode.doc in restart.metadata["doc"]
    with pytest.raises(ValueError):
        restart.metadata["check"]("respawn")


def test_each_mode_has_a_way_to_apply_it():
    for mode in restart_modes.MODES.values():
        assert bool(mode.systemctl) != mode.standin, mode.name
        assert mode.applied and mode.enabled, mode.name


def test_a_mode_that_needs_the_socket_is_refused_without_it(project, confdir):
    path = confdir / f"{project}.toml"
    path.write_text(path.read_text() + '[watch]\nrestart = "handover"\n')
    with pytest.raises(ConfigError) as e:
        config.load(project, live=False)
    assert '"restart" or "reload", or [socket] listen set: "handover" needs' in str(e.value)
