"""`djops reload P` and djops-reload@P.service, which replaces the
reference's `/usr/local/sbin/restart-P`.

The unit is one process of djops, root inside the unit's sandbox
(`ExecStart=!`), which takes the three steps in order:
- compile, as root, who owns __pycache__ under /etc/opt/P and /opt/P, with
  the system interpreter isolated from the project (in this process when it
  is djops' own), and only where nobody but root can write;
- validate: the project's python imports the settings and runs `manage.py
  check` in a child that is the project user before it runs anything
  (djops.bridge.project_python), so the project's code never runs as root;
- apply: restart (or reload) P.service, only if validation passed: a broken
  settings file never reaches gunicorn. The hand-over, which needs more of
  root than this sandbox gives, runs in a transient unit of its own.
One start of djops per reload, not three: issue 29's latency. What one step
hands to the next stays in this process.
"""

import contextlib
import os
from typing import NamedTuple

from djops import config, paths, safefs
from djops.bridge import project_python
from djops.config import Config, restart_modes
from djops.errors import ConfigError, OperationError, UsageError
from djops.events import RELOAD_RESULT
from djops.reload import changes, validated
from djops.systemd import journal
from djops.text import plural

# This module is on the path from a write to the restart: what only the
# apply step (or `djops reload P`) uses is imported there.

COMPILE_TIMEOUT = 240.0
VALIDATE_TIMEOUT = 240.0


class Compiled(NamedTuple):
    """What the compile step hands to the apply step."""

    changed: list[str]  # the files it compiled
    digest: str  # the watched files, taken before validation read them


def run_here(project: str) -> str:
    """The unit's process: each step's line as it ends (the journal times
    them), the apply step's last. A config that no longer loads (a settings
    directory gone, say) rejects the reload like bad settings do."""
    try:
        cfg = config.load_for_run(project)
    except ConfigError as e:
        journal.emit(
            "reload.rejected",
            project,
            f"new settings of {project} rejected, nothing restarted: {e}",
            REASON=str(e),
        )
        raise
    compiled = compile_step(cfg)
    print(f"compiled {plural(len(compiled.changed), 'changed file')} of {cfg.name}", flush=True)
    print(validate_step(cfg), flush=True)
    return apply_step(cfg, compiled)


def run_via_unit(cfg: Config) -> str:
    from djops.systemd import oneshot, units

    if os.geteuid() != 0:
        raise UsageError(f"djops reload {cfg.name} restarts {cfg.project.service}: run it as root")
    return oneshot.run(cfg, units.service(units.RELOAD, cfg.name), RELOAD_RESULT)


def compile_step(cfg: Config) -> Compiled:
    """Compile what only root can write; skip (and warn about) the rest.
    First, before validation imports anything: the digest of what it reads."""
    p = cfg.project
    noted = validated.digest(list(cfg.watch.paths))
    skipped: list[str] = []
    dirs: list[str] = []
    try:
        interpreter = project_python.root_interpreter(cfg)
    except safefs.Unsafe as e:
        interpreter = ""
        skipped.append(f"the venv's interpreter: {e}")
    for d in dict.fromkeys((p.code_dir, p.settings_dir)):
        if not interpreter or not os.path.isdir(d):
            continue
        try:
            safefs.check_root_only(d)
            dirs.append(d)
        except safefs.Unsafe as e:
            skipped.append(str(e))
    changed: list[str] = []
    only = seen_by_the_watcher(cfg.name, dirs)
    if dirs and only != []:
        res = project_python.compile_as_root(cfg, interpreter, dirs, COMPILE_TIMEOUT, only)
        if not res.ok:
            reject(cfg, res.data.get("error", "compiling failed"))
        changed = list(res.data.get("changed", []))
        skipped += res.data.get("skipped", [])
    if skipped:
        reason = "; ".join(skipped[:5]) + (f"; and {len(skipped) - 5} more" if skipped[5:] else "")
        journal.emit(
            "reload.not_compiled",
            cfg.name,
            f"not compiled as root for {cfg.name}: {reason}",
            REASON=reason,
        )
    return Compiled(changed, noted)


def seen_by_the_watcher(project: str, dirs: list[str]) -> list[str] | None:
    """The sources under `dirs` the watcher saw change, when it started this
    reload (its note, root's own): only they need compiling. None (compile
    all) for a reload it did not start, `djops reload P` after a deploy."""
    try:
        seen = safefs.read_json(paths.watch_changed(project))
    except (OSError, ValueError):
        return None
    if not isinstance(seen, list):
        return None
    only = []
    for d in dirs:  # the watcher names files by their real path
        real = os.path.realpath(d)
        for f in seen:
            if isinstance(f, str) and f.endswith(".py") and f.startswith(real + os.sep):
                only.append(d + f[len(real) :])
    return only


def validate_step(cfg: Config) -> str:
    res = project_python.run(cfg, "validate", timeout=VALIDATE_TIMEOUT)
    if not res.ok:
        error = str(res.data.get("error", "validation failed"))
        reject(cfg, error + unreadable(cfg.project.settings_dir, cfg.project.user))
    return f"settings of {cfg.name} imported and `manage.py check` passed"


def unreadable(directory: str, user: str) -> str:
    """Why `user` cannot import from `directory`, and the fix ("" if it can):
    a settings directory made root:root 2750 fails as "No module named
    'settings'", which says nothing about permissions."""
    import grp
    import pwd
    import stat

    try:
        st, pw = os.stat(directory), pwd.getpwnam(user)
    except (OSError, KeyError):
        return ""
    groups = {pw.pw_gid} | {g.gr_gid for g in grp.getgrall() if user in g.gr_mem}
    if st.st_uid == pw.pw_uid:
        bits = st.st_mode >> 6
    elif st.st_gid in groups:
        bits = st.st_mode >> 3
    else:
        bits = st.st_mode
    if bits & 0o5 == 0o5:
        return ""
    owner = f"{safefs.owner_name(st.st_uid)}:{_group_name(st.st_gid)}"
    return (
        f"; {directory} is not readable by {user} (owner {owner}, mode "
        f"{stat.S_IMODE(st.st_mode):04o}): chgrp {user} {directory}; chmod g+rx {directory}"
    )


def _group_name(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def apply_step(cfg: Config, compiled: Compiled) -> str:
    from djops.health import planned
    from djops.reload import handover
    from djops.systemd import service

    svc, mode = cfg.project.service, restart_modes.of(cfg.watch.restart)
    if validated.digest(list(cfg.watch.paths)) != compiled.digest:
        return superseded(cfg)
    extra: dict[str, str] = {}
    try:  # health counts no failure of service or http while djops restarts it
        with planned.window(cfg.name, planned.RELOAD_SECONDS, f"reload ({mode.name})"):
            if mode.standin:  # its imports (the units' schema) only where it is used
                from djops.reload import standin_units

                pid, extra = standin_units.apply_isolated(cfg)
            else:
                pid = service.apply(svc, mode.name)
    except handover.Rejected as e:  # the old gunicorn serves on, untouched
        reject(cfg, str(e))
    except OperationError as e:
        journal.emit(
            "reload.failed", cfg.name, f"{svc} {mode.name} failed: {e}", REASON=str(e), SERVICE=svc
        )
        raise
    shown = changes.summary(cfg.name, cfg.project.settings_dir, compiled.changed)
    how = _handed_over(mode.applied, extra) if mode.standin else mode.applied
    text = f"new settings of {cfg.name} applied: {svc} {how} (MainPID {pid}); {shown}"
    from djops.health import dbaddress  # after the restart: not on its path

    with contextlib.suppress(OSError):  # the settings may have moved the database
        dbaddress.learn_isolated(cfg)  # in its own transient unit: nothing outlives it
    journal.emit(  # last: the end of the run for whoever waits on it
        "reload.applied",
        cfg.name,
        text,
        SERVICE=svc,
        MODE=mode.name,
        CHANGED=shown,
        MAINPID=pid,
        **extra,
    )
    return text


def superseded(cfg: Config) -> str:
    """A save landed during validation: restarting now would load it unvalidated."""
    svc = cfg.project.service
    text = (
        f"settings of {cfg.name} changed again while they were validated: {svc} not "
        f"restarted, it keeps serving its settings; djops-watch.service validates "
        f"the new ones next (or: djops reload {cfg.name})"
    )
    journal.emit("reload.superseded", cfg.name, text, SERVICE=svc)
    return text


def _handed_over(applied: str, f: dict[str, str]) -> str:
    mib = int(f["STANDIN_MEMORY"]) >> 20
    return (
        f"{applied} (stand-in warm after {f['STANDIN_WARM']} s, "
        f"the service warm after {f['SERVICE_WARM']} s, stand-in {mib} MiB)"
    )


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
