"""A tripwire for unit tests that reach the host: an audit hook (PEP 578)
that refuses, and fails the test for, a write outside the test's tmp_path,
a real systemctl, systemd-analyze, journalctl, sendmail or dma, and a read
of djops' own state on the host; and a stand-in for the python3-systemd
journal that does the same for the host's journal.

Audit hooks cannot be removed: install() adds one per process, and
conftest.py arms it for each test (arm/disarm) with that test's tmp_path
and the programs the test may run on purpose (`@pytest.mark.host(...)`).
The refused operation does not happen: the hook raises before it.
"""

import os
import re
import stat
import sys
import threading
import types
from pathlib import Path

# programs that act on (or read) the host's systemd, journal or mail
PROGRAMS = frozenset(
    {"systemctl", "systemd-analyze", "systemd-run", "journalctl", "sendmail", "dma"}
)
_SHELLS = frozenset({"sh", "bash", "dash"})
_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# devices, not files: a terminal, the null device, a descriptor
_DEVICES = (
    "/dev/null",
    "/dev/tty",
    "/dev/ptmx",
    "/dev/pts/",
    "/dev/fd/",
    "/dev/std",
    "/proc/self/fd/",
)

HOW_TO_FAKE = {
    "write": (
        "take the path from djops.paths (the autouse fixture `hermetic` puts DJOPS_ROOT, "
        "HOME, TMPDIR and the working directory in tmp_path) or build it from tmp_path"
    ),
    "read": (
        "djops.paths under DJOPS_ROOT (the autouse fixture `hermetic`) keeps a test off "
        "the host's djops state; a test setting DJOPS_*_DIR should point it into tmp_path"
    ),
    "program": (
        "fake it: a stand-in script in tmp_path (first on PATH, or the path djops "
        "is given), a monkeypatched djops.systemd.systemctl.run / djops.oncalendar, or, "
        'for a read-only use the test truly needs, @pytest.mark.host("NAME")'
    ),
    "journal": (
        "fake it at the djops journal layer: the `sent` fixture or journal.set_sender() "
        "for sending, a monkeypatched djops.systemd.journal/results/jobs.history reader "
        "function or a fake sys.modules['systemd.journal'] for reading"
    ),
}


class HostTouched(Exception):
    """A unit test reached the host; raised where it happened."""


class _Guard:
    def __init__(self, tmp: Path, programs: set[str], protected: list[str]) -> None:
        self.tmp = os.path.realpath(tmp)
        self.programs = programs
        self.protected = protected
        self.touched: list[str] = []


_guard: _Guard | None = None
_local = threading.local()  # the hook's own calls must not audit themselves


def install() -> None:
    """Add the audit hook; once per process (it cannot be taken back)."""
    if not getattr(sys, "_djops_tripwire", False):
        sys._djops_tripwire = True  # type: ignore[attr-defined]
        sys.addaudithook(_audit)


def arm(tmp: Path, programs: set[str], protected: list[str]) -> None:
    """From now on, until disarm(), only `tmp` may change and only
    `programs` of PROGRAMS may run; `protected` (the host's djops state)
    may not even be read."""
    global _guard
    _guard = _Guard(tmp, programs, protected)


def disarm() -> list[str]:
    """Stop guarding; what was touched meanwhile, one line each."""
    global _guard
    guard, _guard = _guard, None
    return guard.touched if guard else []


def touched() -> list[str]:
    """What the armed test touched so far."""
    return list(_guard.touched) if _guard else []


def report(touched: list[str]) -> str:
    """What was touched, and how to fake each kind of it."""
    kinds = dict.fromkeys(t.split(":", 1)[0] for t in touched)
    lines = ["tripwire: this unit test reached the host:"]
    lines += [f"  {t}" for t in dict.fromkeys(touched)]
    lines += [f"  to fix ({k}): {HOW_TO_FAKE[k]}" for k in kinds]
    return "\n".join(lines)


def trip(kind: str, what: str) -> None:
    """Record what was touched and refuse it."""
    text = f"{kind}: {what}"
    if _guard is not None:
        _guard.touched.append(text)
    raise HostTouched(report([text]))


def _audit(event: str, args: tuple) -> None:
    guard = _guard
    if guard is None or getattr(_local, "busy", False):
        return
    check = _CHECKS.get(event)
    if check is None:
        return
    _local.busy = True
    try:
        problem = check(guard, args)
    except Exception:  # a path the checks cannot read: not the test's fault
        problem = None
    finally:
        _local.busy = False
    if problem:
        trip(*problem)


def _path(path, dir_fd=None, follow: bool = True) -> str | None:
    """The absolute path an operation acts on (None for a file descriptor)."""
    if isinstance(path, int):
        return None
    path = os.fsdecode(path)
    if not os.path.isabs(path) and dir_fd is not None and dir_fd >= 0:
        path = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), path)
    path = os.path.abspath(path)
    if follow:
        return os.path.realpath(path)
    # the last component itself is what is removed, renamed or created
    return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))


def _inside(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip("/") + "/")


def _changes(guard: _Guard, op: str, path, dir_fd=None, follow: bool = False):
    if isinstance(path, str | bytes) and os.fsdecode(path).startswith(_DEVICES):
        return None
    where = _path(path, dir_fd, follow)
    if where is None or _inside(where, guard.tmp):
        return None
    return "write", f"{op} {where} (outside the test's tmp_path)"


def _open(guard: _Guard, args: tuple):
    path, mode, flags = args[0], args[1], args[2] if len(args) > 2 else 0
    writes = bool(flags & _WRITE) if isinstance(flags, int) and flags else False
    if isinstance(mode, str):
        writes = writes or any(c in mode for c in "wax+")
    if writes:
        return _changes(guard, "opened for writing", path, follow=True)
    return _reads(guard, "read", path)


def _reads(guard: _Guard, op: str, path):
    where = _path(path)
    if where is None or _inside(where, guard.tmp):
        return None
    for top in guard.protected:
        if _inside(where, top):
            return "read", f"{op} {where} (the host's djops state)"
    return None


def _socket(guard: _Guard, op: str, address):
    """A Unix socket of the host (journald's, systemd's notify socket, a
    database server's) is the host's as much as its files are."""
    if not isinstance(address, str | bytes) or not address:
        return None  # an IP address or a descriptor
    address = os.fsdecode(address)
    if address.startswith(("\0", "@")):
        return "write", f"{op} the abstract socket {address!r} (the host's)"
    return _changes(guard, op, address, follow=True)


def _program(guard: _Guard, program, argv, env) -> tuple[str, str] | None:
    argv = [os.fsdecode(a) for a in argv or []] if not isinstance(argv, str | bytes) else [argv]
    program = os.fsdecode(program) if program is not None else (argv[0] if argv else "")
    name = os.path.basename(program)
    if name in _SHELLS and "-c" in argv[1:]:
        command = argv[argv.index("-c") + 1] if argv.index("-c") + 1 < len(argv) else ""
        for word in re.findall(r"[^\s;&|()<>`'\"]+", command):
            if problem := _program(guard, word, [word], env):
                return problem
        return None
    if name not in PROGRAMS or name in guard.programs:
        return None
    where = _which(program, env)
    if where is not None and _inside(os.path.realpath(where), guard.tmp):
        return None  # the test's own stand-in
    shown = " ".join(argv[:6]) + (" ..." if len(argv) > 6 else "")
    return "program", f"started the real {name} ({where or program}: {shown})"


def _which(program: str, env) -> str | None:
    if "/" in program:
        return program
    path = None
    if env:
        path = env.get("PATH", env.get(b"PATH"))
    if path is None:
        path = os.environ.get("PATH", os.defpath)
    for d in os.fsdecode(path).split(os.pathsep):
        candidate = os.path.join(d or ".", program)
        try:
            st = os.stat(candidate)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    return None


_CHECKS = {
    "open": _open,
    "os.mkdir": lambda g, a: _changes(g, "created", a[0], a[2]),
    "os.remove": lambda g, a: _changes(g, "removed", a[0], a[1]),
    "os.rmdir": lambda g, a: _changes(g, "removed", a[0], a[1]),
    "shutil.rmtree": lambda g, a: _changes(g, "removed", a[0], a[1]),
    "os.rename": lambda g, a: (
        _changes(g, "renamed", a[0], a[2]) or _changes(g, "renamed to", a[1], a[3])
    ),
    "os.symlink": lambda g, a: _changes(g, "created a link", a[1], a[2]),
    "os.link": lambda g, a: _changes(g, "created a link", a[1], a[3]),
    "os.truncate": lambda g, a: _changes(g, "truncated", a[0], follow=True),
    "os.chmod": lambda g, a: _changes(g, "changed the mode of", a[0], a[2], follow=True),
    "os.chown": lambda g, a: _changes(g, "changed the owner of", a[0], a[3], follow=True),
    "os.utime": lambda g, a: _changes(g, "touched", a[0], a[3], follow=True),
    "os.setxattr": lambda g, a: _changes(g, "set an attribute of", a[0], follow=True),
    "os.removexattr": lambda g, a: _changes(g, "removed an attribute of", a[0], follow=True),
    "socket.connect": lambda g, a: _socket(g, "connected to", a[1]),
    "socket.sendto": lambda g, a: _socket(g, "sent to", a[1]),
    "socket.bind": lambda g, a: _socket(g, "bound", a[1]),
    "os.listdir": lambda g, a: _reads(g, "listed", a[0]) if a[0] is not None else None,
    "os.scandir": lambda g, a: _reads(g, "listed", a[0]) if a[0] is not None else None,
    "subprocess.Popen": lambda g, a: _program(g, a[0], a[1], a[3]),
    "os.exec": lambda g, a: _program(g, a[0], a[1], a[2]),
    "os.posix_spawn": lambda g, a: _program(g, a[0], a[1], a[2]),
    "os.spawn": lambda g, a: _program(g, a[1], a[2], a[3]),
    "os.system": lambda g, a: _program(g, "sh", ["sh", "-c", os.fsdecode(a[0])], None),
}


def journal_module() -> types.ModuleType:
    """A `systemd.journal` whose every use trips the wire: djops reaches the
    journal only through that module, so a test that did not fake djops'
    journal layer ends here instead of in the host's journal."""
    mod = types.ModuleType("systemd.journal")

    def refuse(name: str):
        def use(*args, **kwargs):
            trip("journal", f"systemd.journal.{name} (the host's journal)")

        return use

    for name in ("send", "sendv", "stream", "Reader", "stream_fd"):
        setattr(mod, name, refuse(name))
    for n, level in enumerate(("EMERG", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO")):
        setattr(mod, f"LOG_{level}", n)
    mod.LOG_DEBUG = 7
    return mod
