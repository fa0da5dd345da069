"""One schema drives the docs: the example config and the man page's key
table are the schema's, key for key, default for default."""

import dataclasses
import tomllib
from pathlib import Path

from djops import config, paths
from djops.config.schema import SECTIONS
from djops.generate import example, manpage

REPO = Path(__file__).resolve().parents[3]


def test_the_shipped_example_is_the_generated_one():
    assert (REPO / "examples" / "P.toml").read_text() == example.render(), (
        "examples/P.toml is stale: run `make examples`"
    )


def test_the_example_holds_every_key_at_its_default(confdir, monkeypatch, tmp_path):
    monkeypatch.delenv(paths.ROOT_VARIABLE)  # defaults as on a server, as the example shows them
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))  # the checked-config cache
    data = tomllib.loads(example.render())
    assert {s: set(v) for s, v in data.items()} == {
        s: {f.name for f in dataclasses.fields(cls)} for s, cls in SECTIONS.items()
    }
    (confdir / "P.toml").write_text(example.render())
    assert config.load("P", live=False) == config.defaults("P")


def test_every_key_has_a_description_and_the_man_page_shows_it():
    page = manpage.render()
    for section, cls in SECTIONS.items():
        assert f".SS [{section}]" in page
        for f in dataclasses.fields(cls):
            doc = f.metadata["doc"]
            assert doc and "\n" not in doc, f"[{section}] {f.name}"
            assert manpage.esc(doc) in page, f"[{section}] {f.name}"
