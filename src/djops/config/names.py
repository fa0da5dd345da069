"""Names the config reserves, apart from the schema: djops.systemd.units
names the built-in job's units from them at every start, and the schema's
dataclasses cost a start ~15 ms of imports it does not need."""

# the built-in job: its section, and its name among the jobs (claims, metrics
# labels, DJOPS_JOB); no [jobs.NAME] may take it. djops.systemd.units names
# its units from it (config imports nothing above it).
CLEARSESSIONS = "clearsessions"
