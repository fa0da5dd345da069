"""A unit's run shown at root's terminal as it goes: the lines its processes
log in the journal (a job's output, clearsessions' progress), read by the
run's invocation id while `djops run` or `djops clearsessions` waits for
its end. Events are left out: the result is the answer's own last line.
"""

import time
from collections.abc import Callable
from typing import Any

from djops.systemd import journal

TAIL = 2.0  # seconds to wait, after the unit ended, for its last lines


class Follow:
    def __init__(
        self,
        invocation: str,
        show: Callable[[str], None],
        ends: tuple[str, ...],
        reader: Any = None,
    ) -> None:
        """`show(line)` for each line of the run; `ends`: the events that
        are a run's last word (what finish() waits for)."""
        if reader is None:
            from systemd import journal as systemd_journal

            reader = systemd_journal.Reader()
        reader.add_match(_SYSTEMD_INVOCATION_ID=invocation)
        reader.seek_head()
        self.reader, self.show, self.ends, self.ended = reader, show, ends, False

    def poll(self, wait: float) -> None:
        """Show what the run logged since the last poll, after waiting up to
        `wait` seconds for the journal to change."""
        self.reader.wait(wait)
        while entry := self.reader.get_next():
            event = entry.get("DJOPS_EVENT")
            if event:
                self.ended = self.ended or event in self.ends
                continue
            self.show(journal.clean(entry)["MESSAGE"])

    def finish(self) -> None:
        """The unit ended: show its last lines (journald may get them a
        moment after the unit's end), then let go of the journal."""
        until = time.monotonic() + TAIL
        try:
            self.poll(0)
            while not self.ended and time.monotonic() < until:
                self.poll(0.1)
        finally:
            self.reader.close()
