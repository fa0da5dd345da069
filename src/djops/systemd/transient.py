"""Run a djops step in a transient unit of its own (`systemd-run --wait`).

A step that runs the project's python from a root unit (learning where the
database listens) must leave nothing behind: whatever the project's code
forks is in the transient unit's cgroup, and systemd kills the whole cgroup
when the step ends (KillMode=control-group), timeout or not. Nothing
outlives its step inside a root unit or the host daemons.
"""

import os
import subprocess

ISOLATED = "DJOPS_ISOLATED"  # set inside the transient unit: run the step here


def inside() -> bool:
    """Whether this process is the step's own transient unit (or not root:
    then there is no root unit to protect, and no systemd-run for us)."""
    return os.environ.get(ISOLATED) == "1" or os.geteuid() != 0


def run(name: str, argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """`argv` in the transient service `name` (unique per step), waited for;
    its stdout comes back (--pipe). RuntimeMaxSec= bounds it inside systemd."""
    cmd = [
        "systemd-run",
        f"--unit={name}",
        f"--description=djops: {' '.join(argv[1:])}",
        "--quiet",
        "--wait",
        "--collect",
        "--pipe",
        "--service-type=exec",
        f"--property=RuntimeMaxSec={int(timeout)}s",
        "--property=KillMode=control-group",
        f"--setenv={ISOLATED}=1",
        "--",
        *argv,
    ]
    try:
        return subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout + 30, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return subprocess.CompletedProcess(cmd, 1, "", f"systemd-run failed: {e}")
