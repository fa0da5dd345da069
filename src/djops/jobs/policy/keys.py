"""Which table holds a job's policy keys: [jobs.NAME], or [clearsessions]
for the built-in job; and the one way every verb says P has no such job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from djops.config import Config
from djops.config.names import CLEARSESSIONS
from djops.errors import UsageError

if TYPE_CHECKING:  # the step after each run: not the schema's dataclasses
    from djops.config.schema import Clearsessions, Job


def of(cfg: Config, name: str) -> Clearsessions | Job | None:
    """Both are a JobPolicy with a schedule; config.load refuses a
    [jobs.clearsessions], so the name never means both."""
    if name == CLEARSESSIONS:
        return cfg.clearsessions
    return cfg.jobs.get(name)


def known(cfg: Config, name: str) -> Clearsessions | Job:
    """The job's table, or unknown()'s error."""
    if (table := of(cfg, name)) is None:
        raise unknown(cfg, name)
    return table


def unknown(cfg: Config, name: str) -> UsageError:
    """P has no job NAME: a usage error (exit 2), not one of its config
    file, listing the jobs it has. clearsessions is always one of them:
    pause, resume and history take it as they take [jobs.NAME]."""
    jobs = ", ".join([CLEARSESSIONS, *cfg.jobs])
    more = "" if cfg.jobs else f"; {cfg.path} has no [jobs.NAME]"
    return UsageError(f"{cfg.name} has no job {name!r} (jobs: {jobs}{more})")
