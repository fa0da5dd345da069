"""What was validated is what gunicorn loads.

The watcher starts a reload when a burst of saves ends; a save that lands
while that reload validates the previous one would otherwise reach gunicorn
unvalidated at the restart (a broken file taking the site down, its
traceback in the journal). The compile step, before validation imports
anything, notes a digest of every watched file; the apply step compares it
just before the restart and skips a restart whose files changed meanwhile.
The watcher saw that save and validates it in its next reload.
"""

import contextlib
import hashlib

from djops import paths, safefs
from djops.reload import snapshot


def digest(roots: list[str]) -> str:
    """One digest of the content, mode and owner of every watched file."""
    h = hashlib.sha256()
    for path, e in sorted(snapshot.take(roots).items()):
        h.update(f"{path}\0{e.digest}\0{e.mode}\0{e.uid}\0{e.gid}\n".encode())
    return h.hexdigest()


def note(project: str, roots: list[str]) -> None:
    safefs.write_json(paths.reload_validated(project), {"roots": roots, "digest": digest(roots)})


def changed_since(project: str, roots: list[str]) -> bool:
    """Whether the watched files differ from those noted before validation.
    No note (an upgrade between the steps, a lost /run): False, as before."""
    try:
        seen = safefs.read_json(paths.reload_validated(project))
    except (OSError, ValueError):
        return False
    if not isinstance(seen, dict) or seen.get("roots") != roots:
        return False
    return seen.get("digest") != digest(roots)


def forget(project: str) -> None:
    """Best effort, like the note: a note that cannot go is compared and
    written anew by the next reload's compile step."""
    with contextlib.suppress(OSError):
        paths.reload_validated(project).unlink(missing_ok=True)
