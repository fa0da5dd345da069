"""What every relay masks: the static scan of the settings directory plus the
sensitive values the project's python last loaded (Django's own rule, see
djops.inproject.sensitive).

The project's python reports the loaded values to root on its private report
pipe whenever root runs it (health's start, every applied reload, `djops
check`, `djops status`); root keeps them in a 0600 file of its own. A relay
that runs as the project user (a job's output, clearsessions) reads them
from the credential systemd hands its unit (LoadCredential=, set by `djops
enable`), never from root's file.
"""

import contextlib
import os
from collections.abc import Iterable

from djops import paths, safefs
from djops.config import Config
from djops.inproject.redact import LOADED as LOADED_KEY
from djops.inproject.redact import MAX_SECRETS, Redactor

MAX_BYTES = 8 << 20
__all__ = ["LOADED_KEY", "ensure", "forget", "redactor", "remember", "stored"]


def redactor(cfg: Config, lazy: bool = False) -> Redactor:
    """`lazy`: the settings directory is scanned when a line is first masked
    (a job's relay: a run with no output never parses the settings)."""
    r = Redactor.from_settings_dir(cfg.project.settings_dir, lazy=lazy)
    r.add(stored(cfg.name))
    return r


def stored(project: str) -> list[str]:
    """The loaded values kept for `project`; [] when none (yet) or unreadable."""
    if os.geteuid() == 0:
        where = str(paths.loaded_secrets(project))
    elif creds := os.environ.get("CREDENTIALS_DIRECTORY"):
        where = os.path.join(creds, paths.LOADED_SECRETS_CREDENTIAL)
    else:
        return []
    with contextlib.suppress(OSError, ValueError, UnicodeError):
        data = safefs.read_json(where, MAX_BYTES)
        if isinstance(data, list):
            return [s for s in data[:MAX_SECRETS] if isinstance(s, str)]
    return []


def remember(project: str, values: Iterable[str]) -> None:
    """Keep what root's run of the project's python reported (root only)."""
    if os.geteuid() != 0:
        return
    values = sorted({v for v in values if isinstance(v, str)})[:MAX_SECRETS]
    with contextlib.suppress(OSError):
        if values != stored(project):
            safefs.write_json(paths.loaded_secrets(project), values, mode=0o600)


def ensure(project: str) -> None:
    """The credential's source must exist before a unit that loads it starts."""
    path = paths.loaded_secrets(project)
    if not os.path.lexists(path):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        safefs.write_json(path, [], mode=0o600)


def forget(project: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(paths.loaded_secrets(project))
