"""The one layer that talks to systemd: unit names and drop-ins, systemctl,
the journal, sd_notify and the daemon loop, the project's gunicorn unit.
(Calendar expressions are read in djops.oncalendar.)"""
