"""Restart or gracefully reload the project's gunicorn unit and make sure it
came back, for the reload's apply step (settings applied). Health's
self-healing restart does not wait here: it queues `systemctl restart
--no-block` from its round (a unit slow to stop must not stall the round),
and the next rounds show whether it helped."""

import os
import re
import shlex
import time

from djops import safefs
from djops.config import restart_modes
from djops.errors import OperationError
from djops.systemd import systemctl

SETTLE_SECONDS = 1.0
_ARGV = re.compile(r"argv\[\]=([^;]*)")
_PRELOAD_APP = re.compile(r"^\s*preload_app\s*=\s*True\b", re.M)


def preloads(unit: str) -> str:
    """Why a SIGHUP would not load new settings into `unit`'s gunicorn ("" if
    it would): with --preload (or preload_app = True in its config file) the
    master imports the app once, and a HUP only forks new workers from it."""
    s = systemctl.show(unit, "ExecStart", "Environment", "WorkingDirectory")
    m = _ARGV.search(s.get("ExecStart", ""))
    try:
        argv = shlex.split(m.group(1)) if m else []
    except ValueError:
        argv = m.group(1).split() if m else []
    if "--preload" in argv:
        return "--preload in its ExecStart="
    if "--preload" in s.get("Environment", "") and "GUNICORN_CMD_ARGS" in s.get("Environment", ""):
        return "--preload in its GUNICORN_CMD_ARGS="
    config = _config_file(argv, s.get("WorkingDirectory", ""))
    try:  # read only: root never imports the project's config
        text = safefs.read_bytes(config, 1 << 20, follow=True).decode("utf-8", "replace")
    except (OSError, TypeError):
        return ""
    return f"preload_app = True in {config}" if _PRELOAD_APP.search(text) else ""


def _config_file(argv: list[str], cwd: str) -> str:
    for i, arg in enumerate(argv):
        if arg in ("-c", "--config") and i + 1 < len(argv):
            path = argv[i + 1]
            break
        if arg.startswith("--config="):
            path = arg.split("=", 1)[1]
            break
    else:
        path = "gunicorn.conf.py"  # gunicorn's default, in its working directory
    if path.startswith("python:"):
        return ""
    return path if os.path.isabs(path) else os.path.join(cwd or "/", path)


def refuse_reload(unit: str) -> str:
    """The one line that says why restart = "reload" cannot work for `unit`."""
    why = preloads(unit)
    if not why:
        return ""
    return f"{unit} preloads the app ({why}): a SIGHUP there does not load new settings"


def apply(unit: str, mode: str = restart_modes.DEFAULT, timeout: float = 60.0) -> int:
    """`systemctl restart|reload unit` (the mode's verb), then wait until it
    is active; its MainPID."""
    how = restart_modes.of(mode)
    state = systemctl.show(unit, "LoadState", "ExecReload")
    if state.get("LoadState") != "loaded":
        raise OperationError(f"{unit} does not exist; set [project] service in the djops config")
    if how.needs_exec_reload and not state.get("ExecReload"):
        raise OperationError(
            f'{unit} has no ExecReload=, so [watch] restart = "{how.name}" cannot work: add '
            "`ExecReload=/bin/kill -s HUP $MAINPID` to it, or use "
            f'restart = "{restart_modes.DEFAULT}"'
        )
    if how.needs_exec_reload and (why := refuse_reload(unit)):
        raise OperationError(f'{why}; use [watch] restart = "{restart_modes.DEFAULT}"')
    proc = systemctl.run(how.systemctl, unit, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise OperationError(
            f"systemctl {how.systemctl} {unit}: {detail[-1] if detail else 'failed'}"
        )
    return wait_active(unit, timeout)


def wait_active(unit: str, timeout: float) -> int:
    """Active, and still active with the same MainPID a moment later."""
    deadline = time.monotonic() + timeout
    while True:
        s = systemctl.show(unit, "ActiveState", "MainPID")
        if s.get("ActiveState") == "active":
            time.sleep(SETTLE_SECONDS)
            again = systemctl.show(unit, "ActiveState", "MainPID")
            if again == s:
                return int(s.get("MainPID") or 0)
        elif s.get("ActiveState") in ("failed", "inactive") or time.monotonic() > deadline:
            raise OperationError(
                f"{unit} is {s.get('ActiveState')} after the change; see journalctl -u {unit} -n 30"
            )
        time.sleep(0.2)
