"""Inotify through Debian's python3-watchdog: report every path that may have
changed under the roots, recursively, and nothing else.

Opens and reads (watchdog >= 4 reports them) and a directory's own
"modified" echo of a child's change carry no news and are dropped here.
"""

from collections.abc import Callable
from typing import Any

_NEWS = {"created", "deleted", "modified", "moved", "closed"}


def start(roots: list[str], on_path: Callable[[str], None]) -> Any:
    """Start a watchdog Observer; it calls `on_path` from its own thread."""
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
    observer.start()
    return observer


def _text(path: str | bytes) -> str:
    return path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else path
