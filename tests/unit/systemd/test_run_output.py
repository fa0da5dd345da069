"""One run's lines: the unit's own output and PID 1's lines about that run,
never a look-alike that carries the run's id (anyone can read it with
`systemctl show -p InvocationID`)."""

import time

from fakejournal import Journal, entry

from djops.systemd import run_output

T0 = time.time() - 3600
RUN = "0123456789abcdef0123456789abcdef"
UNIT = "djops-job@shop:backup.service"


def real_lines() -> list[dict]:
    pid1 = {"_PID": "1", "_UID": "0", "_COMM": "systemd", "_SYSTEMD_UNIT": "init.scope",
            "SYSLOG_IDENTIFIER": "systemd", "UNIT": UNIT, "INVOCATION_ID": RUN}  # fmt: skip
    job = {"_PID": "4242", "_UID": "998", "_SYSTEMD_UNIT": UNIT, "_SYSTEMD_INVOCATION_ID": RUN,
           "SYSLOG_IDENTIFIER": "python3"}  # fmt: skip
    return [
        entry(T0 + 1, MESSAGE=f"Started {UNIT}.", **pid1),
        entry(T0 + 2, MESSAGE="backing up", **job),
        entry(T0 + 3, MESSAGE="disk full", **job),
        entry(T0 + 4, MESSAGE=f"{UNIT}: Main process exited, status=1/FAILURE", **pid1),
    ]


def test_a_flood_carrying_the_runs_id_from_nobody_leaves_the_real_lines(monkeypatch):
    nobody = {"_PID": "31337", "_UID": "65534", "_SYSTEMD_UNIT": "session-4.scope",
              "SYSLOG_IDENTIFIER": "systemd", "INVOCATION_ID": RUN, "UNIT": UNIT}  # fmt: skip
    flood = [entry(T0 + 10 + i / 1000, MESSAGE=f"all fine {i}", **nobody) for i in range(2500)]
    journal = Journal(real_lines() + flood).install(monkeypatch)
    lines = run_output.invocation_lines(RUN, 50)
    assert [line.split(": ", 1)[1] for line in lines] == [
        f"Started {UNIT}.",
        "backing up",
        "disk full",
        f"{UNIT}: Main process exited, status=1/FAILURE",
    ]
    assert "systemd[1]:" in lines[0] and "python3[4242]:" in lines[1]
    assert journal.reads == 4, "journald handed over only the run's own lines"


def test_the_last_lines_of_the_run_are_kept(monkeypatch):
    Journal(real_lines()).install(monkeypatch)
    lines = run_output.invocation_lines(RUN, 2)
    assert [line.split(": ", 1)[1] for line in lines] == [
        "disk full",
        f"{UNIT}: Main process exited, status=1/FAILURE",
    ]
