"""One enabled project as the host's watcher sees it: its roots, its
debounce, and whether inotify watches them. Why it does not (a directory
gone or replaced, an inotify limit) is said once in the journal and kept in
STATUS=, so that a blind watcher is never silent."""

import errno
import os
import stat
import time
from collections.abc import Callable

from djops.config import Config
from djops.reload import request
from djops.reload.debounce import Watcher
from djops.systemd import journal

POLL_SECONDS = 5.0  # how often a project inotify does not watch is polled


class Project:
    """One enabled project in the host's watcher: its roots, its debounce,
    and why inotify does not watch them now ("" while it does)."""

    def __init__(
        self, p: str, cfg: Config, stamp: tuple[int, int] | None, was: "Project | None" = None
    ):
        self.p, self.stamp = p, stamp
        self.key = (tuple(cfg.watch.paths), cfg.watch.debounce_seconds)
        self.roots = [os.path.realpath(r) for r in cfg.watch.paths]
        self.identity: dict[str, tuple[int, int]] = {}
        self.trouble = ""
        self.watched = False  # its roots are in the observer
        self.next_try = 0.0
        if was is not None and was.roots == self.roots:
            # P.toml changed, the roots did not: the same watcher goes on with
            # the new debounce, so a reload it is running reports to it (a
            # new one would say "no reload yet" while the old one's ended)
            self.watcher = was.watcher
            self.watcher.debounce = cfg.watch.debounce_seconds
            self.watcher.apply = self._apply(cfg)
        else:
            self.watcher = Watcher(self.roots, cfg.watch.debounce_seconds, self._apply(cfg))
        if was is not None:  # what was said about P stays true
            self.trouble, self.next_try = was.trouble, was.next_try
            w, old = self.watcher, was.watcher
            w.last, w.reloads, w.at = old.last, old.reloads, old.at

    def _apply(self, cfg: Config) -> Callable[[list[str]], str]:
        settings_dir = cfg.project.settings_dir
        return lambda changed: request.apply(self.p, changed, settings_dir)

    def status(self) -> str:
        if self.trouble:
            return f"NOT WATCHING ({self.trouble}); polling every {POLL_SECONDS:g}s; {self.watcher.last}"
        return self.watcher.status()

    def problem(self) -> str:
        for root, ident in self.identity.items():
            try:
                if identity(root) != ident:
                    return f"{root} was replaced by another directory"
            except OSError:
                return f"{root} was removed"
        return ""

    def ready(self) -> bool:
        """Whether every root is a directory again (worth a new observer)."""
        try:
            for root in self.roots:
                identity(root)
        except OSError:
            return False
        return True

    def degrade(self, reason: str) -> None:
        if reason != self.trouble:
            journal.emit(
                "watch.degraded",
                self.p,
                f"the settings watcher of {self.p} is not watching: {reason}; "
                f"polling every {POLL_SECONDS:g}s until inotify works again",
                REASON=reason,
            )
        self.trouble, self.watched = reason, False
        self.next_try = min(self.next_try, time.monotonic() + POLL_SECONDS)

    def recovered(self) -> None:
        journal.emit(
            "watch.recovered",
            self.p,
            f"the settings watcher of {self.p} watches again (was: {self.trouble})",
            REASON=self.trouble,
        )
        self.trouble = ""
        self.rescan()  # what changed while blind

    def rescan(self) -> None:
        for root in self.roots:
            self.watcher.saw(root)


def identity(root: str) -> tuple[int, int]:
    """A root's (device, inode): a directory replaced by a rename changes it."""
    st = os.stat(root)
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, "not a directory", root)
    return st.st_dev, st.st_ino


def why(e: OSError) -> str:
    """Why inotify cannot watch, in the words of what to do about it."""
    if e.errno == errno.ENOSPC:
        return "the inotify watch limit is reached: raise fs.inotify.max_user_watches"
    if e.errno == errno.EMFILE:
        return "the inotify instance limit is reached: raise fs.inotify.max_user_instances"
    if e.errno in (errno.ENOENT, errno.ENOTDIR):
        return f"{e.filename} is not a directory (yet)"
    return f"{e.strerror or e}" + (f": {e.filename}" if e.filename else "")
