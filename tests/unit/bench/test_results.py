"""bench/results.py: `--help` on a benchmark says what it measures and boots nothing."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

import results


def test_help_prints_the_benchmarks_docstring_and_runs_nothing(monkeypatch, capsys):
    def boots() -> int:
        raise AssertionError("a machine was booted for --help")

    monkeypatch.setattr(sys, "argv", ["scale.py", "--help"])
    assert results.entry(boots, "What it measures.\n") == 0
    assert capsys.readouterr().out == "What it measures.\n"
    monkeypatch.setattr(sys, "argv", ["scale.py"])
    assert results.entry(lambda: 7, "doc") == 7
