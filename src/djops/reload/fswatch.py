"""Inotify through Debian's python3-watchdog: report every path that may have
changed under the roots, recursively, and nothing else.

Opens and reads (watchdog >= 4 reports them) and a directory's own
"modified" echo of a child's change carry no news and are dropped here.
"""

import contextlib
import threading
from collections.abc import Callable
from typing import Any

_NEWS = {"created", "deleted", "modified", "moved", "closed"}


def start(roots: list[str], on_path: Callable[[str], None]) -> Any:
    """Start a watchdog Observer; it calls `on_path` from its own thread.
    OSError (no such directory, an inotify limit) leaves nothing running."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: Any) -> None:
            if event.event_type not in _NEWS:
                return
            if event.is_directory and event.event_type in ("modified", "closed"):
                return
            on_path(_text(event.src_path))
            if dest := getattr(event, "dest_path", ""):
                on_path(_text(dest))

    observer = Observer()
    for root in roots:
        observer.schedule(Handler(), root, recursive=True)
    observer.daemon = True
    try:
        observer.start()
    except OSError:
        stop(observer)
        raise
    return observer


def path_of(emitter: Any) -> str:
    """The root an emitter watches, as text."""
    return _text(emitter.watch.path)


def dead(observer: Any) -> str:
    """Why `observer` no longer watches everything ("" if it does): its
    thread died, or an emitter stopped (watchdog stops the one whose root
    directory was deleted)."""
    if not observer.is_alive():
        return "the inotify observer stopped"
    for emitter in getattr(observer, "emitters", ()):
        if not emitter.is_alive():
            return f"inotify stopped watching {_text(emitter.watch.path)}"
    return ""


def stop(observer: Any) -> None:
    """Stop `observer` without waiting for it. watchdog's stop joins its
    reader thread, which can sit in a blocking read() for good once the
    watched directory is gone (Debian 12's watchdog 2.2); the caller's loop
    must not hang there until WatchdogSec= kills it."""

    def _stop() -> None:
        with contextlib.suppress(Exception):  # a half-started observer may not stop cleanly
            observer.stop()

    threading.Thread(target=_stop, name="djops-fswatch-stop", daemon=True).start()


def _text(path: str | bytes) -> str:
    return path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else path
