"""The one-line verdict under a benchmark's table: which targets were not
met, and which were (kept apart from the benchmarks so unit tests can
import it without a container)."""


def targets_line(targets: str, checks: list[tuple[str, bool]]) -> str:
    """`checks` are (figure, met); a figure is listed once, under NOT met or met:

    Targets (T): met: a; b.
    Targets (T): NOT met: a. Met: b.
    """
    missed = [figure for figure, met in checks if not met]
    met = [figure for figure, ok in checks if ok]
    if not missed:
        return f"Targets ({targets}): met: " + "; ".join(met) + "."
    line = f"Targets ({targets}): NOT met: " + "; ".join(missed) + "."
    return line + (" Met: " + "; ".join(met) + "." if met else "")
