"""What one reload changed, said short: how many files its compile step
compiled and which settings files changed, never the whole list (after a
deploy `djops reload P` compiles every file of the code, and that list
filled the terminal, the journal entry and `djops status`).

Two sources say it: the compile step (what it compiled, handed to the apply
step in the reload's process) and the watcher's note (the settings files
among those it saw change, for a reload it started: djops.reload.request,
which says what it saw with seen()), root's own, read without following
links and bounded in size.
"""

import os
from collections.abc import Iterable

from djops import paths, safefs
from djops.text import plural

NAMED = 5  # settings files named; past that, how many more
NOTHING = "no source file changed since the last compile"


def summary(project: str, settings_dir: str, compiled: list[str]) -> str:
    """`compiled 112 files; settings changed: /etc/opt/P/settings.py`, or
    NOTHING: the applied message's tail and its CHANGED field."""
    count = len(set(compiled))
    seen = _read(paths.watch_changed(project))
    seen = [str(f) for f in seen] if isinstance(seen, list) else []
    named = settings_files([*compiled, *seen], settings_dir)
    if not count and not named:
        return NOTHING
    said = f"compiled {plural(count, 'file')}" if count else "nothing compiled"
    return f"{said}; settings changed: {_names(named)}" if named else said


def seen(changed: Iterable[str], settings_dir: str) -> str:
    """What the watcher saw, said short for reload.requested: how many
    files, naming the settings files among them (else the first files):
    `1 file: /etc/opt/P/settings.py`, `40 files; settings: /etc/opt/P/x.py`."""
    files = sorted(set(changed))
    settings = settings_files(files, settings_dir)
    if settings and len(settings) < len(files):
        return f"{plural(len(files), 'file')}; settings: {_names(settings)}"
    return f"{plural(len(files), 'file')}: {_names(settings or files)}"


def _names(files: list[str]) -> str:
    """At most NAMED of `files`, then how many more."""
    more = f" and {len(files) - NAMED} more" if files[NAMED:] else ""
    return ", ".join(files[:NAMED]) + more


def settings_files(files: Iterable[str], settings_dir: str) -> list[str]:
    """Those of `files` under `settings_dir`, each once, sorted, named
    through `settings_dir` (the watcher names files by their real path)."""
    top = settings_dir.rstrip(os.sep)
    tops, found = dict.fromkeys((top, os.path.realpath(top))), set()
    for f in files:
        for t in tops:
            if f.startswith(t + os.sep):
                found.add(top + f[len(t) :])
                break
    return sorted(found)


def _read(path: os.PathLike[str]) -> object:
    try:
        return safefs.read_json(path)
    except (OSError, ValueError):
        return None
