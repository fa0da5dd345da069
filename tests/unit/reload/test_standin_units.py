"""The hand-over in its transient unit: what that unit says, and how the
reload's process reads it back (its verdict as the in-process hand-over
would raise it, never a report it cannot read taken for a success)."""

import subprocess

import pytest

from djops import config
from djops.errors import OperationError
from djops.reload import handover, standin_units

FIGURES = handover.Figures(standin_warm=1.25, service_warm=2.5, total=4.0)


@pytest.fixture
def transient(monkeypatch, project):
    """Runs the transient unit's side in this process, as systemd-run would."""
    asked: list[list[str]] = []

    def run(name, argv, timeout):
        asked.append(argv)
        out = standin_units.run_here(config.load(argv[-1], live=False))
        return subprocess.CompletedProcess(argv, 0, out + "\n", "")

    monkeypatch.setattr(standin_units.transient, "run", run)
    return asked


def test_the_figures_come_back_as_journal_fields(transient, monkeypatch, project):
    monkeypatch.setattr(standin_units, "apply", lambda cfg: (42, FIGURES, 3 << 20))
    pid, fields = standin_units.apply_isolated(config.load(project, live=False))
    assert pid == 42
    assert fields == {"STANDIN_WARM": "1.2", "SERVICE_WARM": "2.5", "STANDIN_MEMORY": "3145728"}
    assert transient == [["/usr/bin/djops", "reload", "--handover", project]]


@pytest.mark.parametrize(
    ("raised", "expected"),
    [(handover.Rejected, handover.Rejected), (handover.Failed, OperationError)],
)
def test_a_rejection_stays_a_rejection_and_a_failure_a_failure(
    transient, monkeypatch, project, raised, expected
):
    def apply(cfg):
        raise raised("the stand-in did not come up")

    monkeypatch.setattr(standin_units, "apply", apply)
    with pytest.raises(expected, match="the stand-in did not come up") as err:
        standin_units.apply_isolated(config.load(project, live=False))
    assert (type(err.value) is handover.Rejected) == (raised is handover.Rejected)


@pytest.mark.parametrize("stdout", ["", "Traceback (most recent call last):\n", '{"pid": "x"}\n'])
def test_no_report_is_a_failure_that_says_so(monkeypatch, project, stdout):
    monkeypatch.setattr(
        standin_units.transient,
        "run",
        lambda name, argv, timeout: subprocess.CompletedProcess(argv, 1, stdout, "killed\n"),
    )
    with pytest.raises(OperationError, match="the hand-over ended without a report: killed"):
        standin_units.apply_isolated(config.load(project, live=False))
