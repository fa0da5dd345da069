"""`djops reload P` and the three steps of djops-reload@P.service, which
replaces the reference's `/usr/local/sbin/restart-P`.

The unit runs the steps the way postgresql-common's units do: the privileged
step with `ExecStartPre=+` (compile as root, who owns __pycache__ under
/etc/opt/P and /opt/P), the work as the project user (validate), and the
privileged apply with `ExecStartPost=+` (restart P.service). systemd runs the
apply step only if validation succeeded: a broken settings file never
reaches gunicorn.
"""

import contextlib
import json
import os
from pathlib import Path

from djops import paths
from djops.actions import service, units
from djops.adapters import journal, project_python
from djops.config import Config
from djops.errors import OperationError

EVENTS = ("reload.applied", "reload.rejected", "reload.failed")
STEPS = ("compile", "validate", "apply")


def run_step(cfg: Config, step: str) -> str:
    return {"compile": compile_step, "validate": validate_step, "apply": apply_step}[step](cfg)


def run_via_unit(cfg: Config) -> str:
    if os.geteuid() != 0:
        raise OperationError(
            f"djops reload {cfg.name} restarts {cfg.project.service}: run it as root"
        )
    return units.run_oneshot(cfg, f"djops-reload@{cfg.name}.service", EVENTS)


def compile_step(cfg: Config) -> str:
    p = cfg.project
    dirs = list(dict.fromkeys(d for d in (p.code_dir, p.settings_dir) if os.path.isdir(d)))
    res = project_python.run(cfg, "compile", "--exclude", p.venv, *dirs)
    if not res.ok:
        reject(cfg, res.data.get("error", "compiling failed"))
    changed = res.data.get("changed", [])
    _remember(changed)
    return f"compiled {len(changed)} changed files of {cfg.name}"


def validate_step(cfg: Config) -> str:
    res = project_python.run(cfg, "validate")
    if not res.ok:
        reject(cfg, res.data.get("error", "validation failed"))
    return f"settings of {cfg.name} imported and `manage.py check` passed"


def apply_step(cfg: Config) -> str:
    svc, mode = cfg.project.service, cfg.watch.restart
    try:
        pid = service.apply(svc, mode)
    except OperationError as e:
        journal.emit(
            "reload.failed", cfg.name, f"{svc} {mode} failed: {e}", REASON=str(e), SERVICE=svc
        )
        raise
    changed = _recall(cfg.name)
    shown = ", ".join(changed) if changed else "no source file changed since the last compile"
    text = f"new settings of {cfg.name} applied: {svc} {mode}ed (MainPID {pid}); {shown}"
    journal.emit(
        "reload.applied", cfg.name, text, SERVICE=svc, MODE=mode, CHANGED=shown, MAINPID=pid
    )
    return text


def reject(cfg: Config, reason: str) -> None:
    svc = cfg.project.service
    journal.emit(
        "reload.rejected",
        cfg.name,
        f"new settings of {cfg.name} rejected, {svc} left untouched: {reason}",
        REASON=reason,
        SERVICE=svc,
    )
    raise OperationError(f"new settings of {cfg.name} rejected, {svc} left untouched: {reason}")


def _changed_file() -> Path | None:
    """Shared between the steps of one run (RuntimeDirectory= of the unit)."""
    d = os.environ.get("RUNTIME_DIRECTORY")
    return Path(d) / "changed.json" if d else None


def _remember(changed: list[str]) -> None:
    if f := _changed_file():
        f.write_text(json.dumps(changed))


def _recall(project: str) -> list[str]:
    """Files compiled by this run plus files the watcher saw change."""
    found: list[str] = []
    for f in (_changed_file(), paths.watch_changed(project)):
        with contextlib.suppress(OSError, ValueError):
            found += json.loads(f.read_text()) if f else []
    return sorted(set(found))
