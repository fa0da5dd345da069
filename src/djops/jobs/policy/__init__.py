"""The job policy's one home: what [clearsessions] and [jobs.NAME]'s policy
keys mean (djops.config.schema.JobPolicy declares them), pauses, the steps
around each run, the failure streak and the health round's job checks.
Its modules sit at different ranks (tests/unit/test_architecture.py): the
low ones serve systemd's drop-ins and the metrics, the high ones send."""
