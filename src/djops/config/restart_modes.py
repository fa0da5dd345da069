"""[watch] restart's modes, one entry each: what a mode needs, how the
validated reload applies it, and what djops says it did. A new mode is one
entry here (plus its own apply step when systemctl alone cannot do it).
In config, the lowest rank, because the config check already needs it.
A NamedTuple, not a dataclass: a job run's config load checks it, and
dataclasses' imports (inspect, ast) cost each unit start ~6 ms."""

from typing import NamedTuple


class Mode(NamedTuple):
    name: str
    doc: str  # how the key's description names it
    systemctl: str  # the verb that applies it: `systemctl restart|reload`; "": djops' own step
    applied: str  # reload.applied: "P.service <applied> (MainPID ...)"
    enabled: str  # djops enable: "changes validated, then P.service <enabled>"
    needs_socket: bool = False  # [socket] listen must be set
    needs_exec_reload: bool = False  # P.service needs ExecReload= and no preloaded app
    standin: bool = False  # djops-standin@P.service serves while P.service restarts
    refuses: bool = False  # without a held socket, connections are refused while it runs


RESTART = Mode("restart", '"restart"', "restart", "restarted", "restarted", refuses=True)
RELOAD = Mode(
    "reload",
    '"reload" (graceful: SIGHUP through ExecReload=)',
    "reload",
    "reloaded",
    "reloaded",
    needs_exec_reload=True,
)
HANDOVER = Mode(
    "handover",
    '"handover" (needs [socket] listen: a stand-in gunicorn on the same socket serves while'
    " the service restarts)",
    "",
    "restarted behind a stand-in",
    "restarted while a stand-in serves",
    needs_socket=True,
    standin=True,
)

MODES: dict[str, Mode] = {m.name: m for m in (RESTART, RELOAD, HANDOVER)}
DEFAULT = RESTART.name


def of(name: str) -> Mode:
    """The mode a checked config names."""
    return MODES[name]


def described() -> str:
    """The modes for the key's description: "a", "b", or "c"."""
    docs = [m.doc for m in MODES.values()]
    return ", ".join(docs[:-1]) + ", or " + docs[-1]


def without_socket() -> str:
    """The modes that need no [socket] listen, for the config error: "a" or "b"."""
    return " or ".join(f'"{m.name}"' for m in MODES.values() if not m.needs_socket)
