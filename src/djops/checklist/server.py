"""Checklist items only the server can see: settings files and their
bytecode, djops' units, and leftovers of the cron-and-script way."""

import grp
import importlib.util
import os
import pwd
import stat

from djops import safefs
from djops.bridge import project_python
from djops.checklist.item import FAIL, OK, WARN, Item, item
from djops.config import Config
from djops.inproject import compile as compiler
from djops.inproject.redact import source_secrets
from djops.migrate import legacy
from djops.systemd import systemctl, units


def items(cfg: Config) -> list[Item]:
    return _root_compiles(cfg) + _files(cfg) + _units(cfg)


def _root_compiles(cfg: Config) -> list[Item]:
    """Root compiles bytecode only with an interpreter and in trees nobody
    else can change; say what to chown where that is not so."""
    p = cfg.project
    try:
        interpreter = project_python.root_interpreter(cfg)
    except safefs.Unsafe as e:
        return [Item("files", WARN, f"root will not compile with {p.venv}/bin/python: {e}")]
    out = [Item("files", OK, f"root compiles with {interpreter}, which only root can change")]
    for d in dict.fromkeys((p.code_dir, p.settings_dir)):
        try:
            safefs.check_root_only(d)
            out.append(Item("files", OK, f"{d} is root's alone: djops compiles its bytecode"))
        except safefs.Unsafe as e:
            out.append(Item("files", WARN, f"djops will not compile {d} as root: {e}"))
    return out


def _files(cfg: Config) -> list[Item]:
    out = []
    user = cfg.project.user
    try:
        group = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
    except KeyError:
        group = user
    for root, dirs, files in os.walk(cfg.project.settings_dir):
        dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
        for name in sorted(f for f in files if f.endswith(".py")):
            path = os.path.join(root, name)
            st = os.stat(path)
            owner = f"{_name(pwd.getpwuid, st.st_uid)}:{_name(grp.getgrgid, st.st_gid)}"
            if source_secrets(path):
                good = not st.st_mode & stat.S_IROTH and owner == f"root:{group}"
                now = f"{path} holds secrets and is {oct(st.st_mode & 0o777)[2:]} {owner}"
                fix = f"{now}: chown root:{group} {path}; chmod 0640 {path}"
                out.append(item("files", good, now, fix))
            pyc = importlib.util.cache_from_source(path)
            if not compiler.is_fresh(path, pyc):
                out.append(
                    Item(
                        "files",
                        WARN,
                        f"{pyc} is missing or stale: run `djops reload {cfg.name}`",
                    )
                )
            elif os.stat(pyc).st_mode & ~st.st_mode & 0o777:
                out.append(
                    Item(
                        "files",
                        FAIL,
                        f"{pyc} is more readable than {path}: run `djops reload {cfg.name}`",
                    )
                )
    return out


def _units(cfg: Config) -> list[Item]:
    p = cfg.name
    out = []
    for unit in (
        units.timer(units.CLEARSESSIONS, p),
        *units.HOST_DAEMONS,
        units.MAILQUEUE,
        *units.WAKERS,
    ):
        s = systemctl.show(unit, "UnitFileState", "ActiveState", "SubState")
        now = f"{unit} is {s.get('ActiveState')} ({s.get('SubState')})"
        out.append(
            item("djops", s.get("ActiveState") == "active", now, f"{now}: run `djops enable {p}`")
        )
    for found in legacy.find(p):
        out.append(
            Item(
                "djops",
                WARN,
                f"the old way is still active: {found.where}: run `djops migrate-cron {p}`",
            )
        )
    return out


def _name(lookup, ident: int) -> str:
    try:
        return lookup(ident)[0]
    except KeyError:
        return str(ident)
