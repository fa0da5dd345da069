"""A stand-in for `systemd-analyze calendar` (unit tests never run the real
one): answers as systemd 252/257 print, from a table of known expressions."""

import subprocess

from djops import oncalendar

# expression -> seconds between its next two elapses (None: elapses once)
KNOWN = {
    "daily": 86400.0,
    "hourly": 3600.0,
    "*:0/5": 300.0,
    "*-*-* 03:30": 86400.0,
    "Mon..Fri 22:00": 86400.0,
    "2026-12-24 10:00": None,
}


def block(expression: str, period: float | None) -> str:
    lines = [f"  Original form: {expression}", "Normalized form: (whatever)"]
    if period is None:
        lines.append("    Next elapse: Thu 2026-12-24 10:00:00 UTC")
    else:
        lines += [
            "    Next elapse: Thu 2026-12-03 00:00:00 UTC",
            "       From now: 5h left",
            f"       Iter. #2: {_plus('2026-12-03 00:00:00', period)} UTC",
            "       From now: 1 day left",
        ]
    return "\n".join(lines) + "\n"


def _plus(start: str, seconds: float) -> str:
    from datetime import datetime, timedelta

    t = datetime.strptime(start, "%Y-%m-%d %H:%M:%S") + timedelta(seconds=seconds)
    return t.strftime("%a %Y-%m-%d %H:%M:%S")


class Analyze:
    """Records each call's expressions; answers from KNOWN."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, *args: str, verb: str = "calendar", env=None):
        assert verb == "calendar", verb
        exprs = list(args[args.index("--") + 1 :])
        self.calls.append(exprs)
        known = [e for e in exprs if e in KNOWN]
        out = "\n".join(block(e, KNOWN[e]) for e in known)
        err = "".join(
            f"Failed to parse calendar specification '{e}': Invalid argument\n"
            for e in exprs
            if e not in KNOWN
        )
        return subprocess.CompletedProcess([], 0 if len(known) == len(exprs) else 1, out, err)


def fake(monkeypatch) -> Analyze:
    analyze = Analyze()
    monkeypatch.setattr(oncalendar, "_analyze", analyze)
    monkeypatch.setattr(oncalendar, "_surveyed", {})
    oncalendar.valid.cache_clear()
    oncalendar.period.cache_clear()
    return analyze
