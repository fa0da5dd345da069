"""djops.text: what reaches a terminal or a mail reads right."""

import pytest

from djops import text
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


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "0 s"),
        (0.004, "0 s"),
        (0.65, "0.65 s"),
        (4.12, "4.1 s"),
        (12, "12 s"),
        (119, "119 s"),
        (600, "10 min"),
        (9000, "2.5 h"),
        (86400, "24 h"),
        (7 * 86400, "7 days"),
        (-3, "0 s"),
    ],
)
def test_a_span_reads_at_once_in_one_unit(seconds, said):
    assert text.span(seconds) == said
