"""djops-mailqueue.service (every few minutes, and whenever djops queues a
mail): hand the djops outbox to sendmail, then flush dma's own queue, the
job Debian's dma leaves to cron (`dma -q`), which a server without cron
never runs."""

import os
import subprocess

from djops import paths
from djops.channels import dmaspool, mail, sendmail
from djops.text import plural

STUCK_SECONDS = 3600


def run() -> str:
    sendmail.become_subreaper()
    delivered, waiting = mail.flush()
    dma = ""
    if os.access(paths.dma(), os.X_OK):
        try:
            subprocess.run([paths.dma(), "-q"], capture_output=True, timeout=120)
            dma = "; dma queue flushed"
        except (OSError, subprocess.TimeoutExpired):
            dma = "; dma -q did not finish within 120s (its queue keeps the mail)"
    sendmail.settle()
    # a mail queued while this run was busy asked for a run that systemd
    # merged into this one: take it now rather than at the next tick
    while mail.due():
        more, waiting = mail.flush()
        delivered += more
        sendmail.settle()
    return f"djops outbox: {delivered} handed to sendmail, {waiting} waiting{dma}"


def health() -> tuple[bool, str]:
    """Whether mail moves: nothing in dma's spool or the djops outbox for over
    an hour (the health check `mailqueue` and the checklist both ask)."""
    queued, pending = dmaspool.queued(), mail.pending()  # each listed once
    stuck = [e for e in queued if dmaspool.age(e) > STUCK_SECONDS]
    kept = [f for f in pending if dmaspool.age(f) > STUCK_SECONDS]
    if stuck or kept:
        return False, (
            f"{plural(len(stuck), 'mail')} stuck in {paths.dma_spool()}, {len(kept)} in the djops "
            "outbox for over an hour; see `journalctl -t dma`"
        )
    return True, f"{len(queued)} queued, {len(pending)} in outbox"
