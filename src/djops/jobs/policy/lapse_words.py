"""The words djops.jobs.policy.lapses says a slow run and a missed
occurrence in, kept low so that mail's notices (which rank below lapses)
tell these lapses, a warning, from a failure by the same words."""

SLOW = "longer than max_runtime_seconds"  # job.slow: a run past max_runtime_seconds
MISSED = "has not started"  # job.missed: an occurrence past its start grace
WARNINGS = (SLOW, MISSED)
