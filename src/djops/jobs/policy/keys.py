"""Which table holds a job's policy keys: [jobs.NAME], or [clearsessions]
for the built-in job. None: P has no such job (the callers say so)."""

from djops.config import Config
from djops.config.schema import CLEARSESSIONS, Clearsessions, Job


def of(cfg: Config, name: str) -> Clearsessions | Job | None:
    """Both are a JobPolicy with a schedule; config.load refuses a
    [jobs.clearsessions], so the name never means both."""
    if name == CLEARSESSIONS:
        return cfg.clearsessions
    return cfg.jobs.get(name)
