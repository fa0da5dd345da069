"""`djops migrate-cron`: from the old way (cron.daily script, restart script,
crontab lines of manage.py) to djops. main: the verb (plan, --apply);
legacy: the reference chapters' files; crontabs: reading cron's files;
shell: what one cron command runs; wrappers: the flock, nice, ionice,
timeout or env before it; crontime: cron times as OnCalendar=; crontz: the
zone a crontab reads them in; cronjobs: what becomes of each line;
jobtable: one command as a [jobs.X] table; report: the text of it all."""
