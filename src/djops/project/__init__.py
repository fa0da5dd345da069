"""One project's djops as a whole: `djops enable` and `disable` (enable),
`djops status` (status, running). Moving a project off cron is
djops.migrate's."""
