"""The job policy's one home: what [clearsessions] and [jobs.NAME]'s policy
keys mean (djops.config.schema.JobPolicy declares them), pauses, the steps
around each run, the failure streak, and what the health round's job
checks add from those keys (lapses: slow, missed, failing in a row). The
checks' own rule, a success within twice the period, is health's
(djops.health.on_time): no policy key sets it. Its modules sit at
different ranks (tests/unit/test_architecture.py): the low ones serve
systemd's drop-ins, the metrics and mail's words, the high ones send."""
