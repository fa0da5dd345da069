"""Which table holds a job's policy keys: [jobs.NAME], or [clearsessions]
for the built-in job. None: P has no such job (the callers say so)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from djops.config import Config
from djops.config.names import CLEARSESSIONS

if TYPE_CHECKING:  # the step after each run: not the schema's dataclasses
    from djops.config.schema import Clearsessions, Job


def of(cfg: Config, name: str) -> Clearsessions | Job | None:
    """Both are a JobPolicy with a schedule; config.load refuses a
    [jobs.clearsessions], so the name never means both."""
    if name == CLEARSESSIONS:
        return cfg.clearsessions
    return cfg.jobs.get(name)
