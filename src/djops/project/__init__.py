"""One project's djops as a whole: enable and disable, status, migrate-cron."""
