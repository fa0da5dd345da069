"""Scheduled work run as the project user: clearsessions and the [jobs.NAME]
jobs (job), a run's result (verdict), `djops history`, once per fleet where
asked (once, claim), daylight-saving traps of a schedule (dst); what each
job's policy keys do is djops.jobs.policy's."""
