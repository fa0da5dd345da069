"""The watcher's way to apply a change: start djops-reload@P.service and
read the result of that run. The reload runs as its own unit, with its own
user and sandbox; the watcher only asks systemd."""

import contextlib

from djops import paths, safefs
from djops.events import RELOAD_RESULT
from djops.reload import changes
from djops.systemd import journal, oneshot, units

RELOAD_TIMEOUT = 360.0  # the reload unit's TimeoutStartSec= (5 min), and then some


def apply(p: str, changed: list[str], settings_dir: str) -> str:
    """Start djops-reload@P.service and wait for it; 'applied', 'rejected'
    or 'failed'. What it saw is said short (changes.seen): after a deploy
    under a watched path it can be every file of the code."""
    said = changes.seen(changed, settings_dir)
    journal.emit(
        "reload.requested",
        p,
        f"settings of {p} changed ({said}); validating before applying",
        CHANGED=said,
    )
    note = paths.watch_changed(p)
    if note.parent.is_dir():  # for the applied message: the settings files it saw
        with contextlib.suppress(OSError):
            safefs.write_json(note, changes.settings_files(changed, settings_dir))
    # the result of the run this started (its invocation), not of "a" reload:
    # a `djops reload P` typed meanwhile has its own
    run = oneshot.start_and_wait(p, units.service(units.RELOAD, p), RELOAD_RESULT, RELOAD_TIMEOUT)
    note.unlink(missing_ok=True)
    if run.entry:
        return str(run.entry["DJOPS_EVENT"]).split(".", 1)[1]
    # what systemd says, and that djops could not read more than that
    return f"{'succeeded' if run.ok else 'failed'} (result unknown: no reload event in the journal)"
