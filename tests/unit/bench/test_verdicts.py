"""bench/verdicts.py: the verdict line lists under NOT met only what was not met."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from verdicts import targets_line


def test_only_the_figures_not_met_are_listed_as_not_met_and_the_rest_as_met():
    """Issue 31.2: "NOT met: wall time 1.18x; worst save 21 ms; ..." listed met figures too."""
    line = targets_line(
        "wall <= 1.5x, worst save < 0.25 s",
        [("wall time 1.18x Django's", True), ("writer p99 up to 3.2x idle", False)],
    )
    assert line == (
        "Targets (wall <= 1.5x, worst save < 0.25 s): NOT met: writer p99 up to 3.2x idle. "
        "Met: wall time 1.18x Django's."
    )


def test_all_met_and_none_met():
    assert targets_line("T", [("a", True), ("b", True)]) == "Targets (T): met: a; b."
    assert targets_line("T", [("a", False), ("b", False)]) == "Targets (T): NOT met: a; b."
