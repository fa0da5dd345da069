"""What was validated is what gunicorn loads.

The watcher starts a reload when a burst of saves ends; a save that lands
while that reload validates the previous one would otherwise reach gunicorn
unvalidated at the restart (a broken file taking the site down, its
traceback in the journal). The compile step, before validation imports
anything, takes a digest of every watched file; the apply step takes it
again just before the restart and skips a restart whose files changed
meanwhile. The watcher saw that save and validates it in its next reload.
"""

from djops import digest as sha
from djops.reload import snapshot


def digest(roots: list[str]) -> str:
    """One digest of the content, mode and owner of every watched file."""
    h = sha.sha256()
    for path, e in sorted(snapshot.take(roots).items()):
        h.update(f"{path}\0{e.digest}\0{e.mode}\0{e.uid}\0{e.gid}\n".encode())
    return h.hexdigest()
