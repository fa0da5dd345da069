"""Start a channel's delivery service (mail queue, pings, notify) without losing a request.

`systemctl start` on a oneshot that is still running merges into that run:
a mail queued just after its last look would wait for the next timer tick.
So a request is also a file in /var/lib/djops/due/<kind>/: the service's
.path unit (DirectoryNotEmpty=) starts it, the service empties the directory
before it looks at its queue (ExecStartPre=), and systemd looks again when
the run ends, so a request made during a run gives another run. The plain
start stays for when the path unit cannot see the directory (not enabled
yet, or something mounted over /var/lib/djops).
"""

import contextlib
import os
import time

from djops import paths
from djops.errors import OperationError
from djops.systemd import systemctl


def request(kind: str, service: str) -> None:
    """Ask `service` to deliver channel `kind`'s queue (a channel hands both
    down: djops.channels.registry knows them, this layer lists none). Never
    raises: the queued item is safe on disk, and the channel's timer or the
    next request picks it up."""
    d = paths.due_dir(kind)
    try:
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
        (d / f"{time.time_ns()}-{os.getpid()}").touch()
    except OSError:
        pass
    with contextlib.suppress(OperationError):
        systemctl.run("start", "--no-block", service, check=False, timeout=30)
