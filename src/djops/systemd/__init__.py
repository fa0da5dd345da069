"""The one layer that talks to systemd: unit names and drop-ins, systemctl,
the journal, sd_notify and the daemon loop, the project's gunicorn unit
(gunicorn_unit reads its command; service restarts it; standin and sockets
serve the hand-over). Calendar expressions are read in djops.oncalendar:
config checks schedules with it, and config ranks below systemd."""
