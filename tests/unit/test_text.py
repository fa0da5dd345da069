"""djops.text: what reaches a terminal or a mail reads right."""

import pytest

from djops.text import plural


@pytest.mark.parametrize(
    ("n", "want"),
    [(0, "0 files"), (1, "1 file"), (2, "2 files"), (1.0, "1 file"), (1.5, "1.5 files")],
)
def test_a_count_agrees_with_its_noun(n, want):
    assert plural(n, "file") == want


def test_an_irregular_plural_is_given():
    assert plural(1, "batch", "batches") == "1 batch"
    assert plural(3, "batch", "batches") == "3 batches"


def test_an_unknown_count_takes_the_plural():
    assert plural("?", "expired session") == "? expired sessions"
