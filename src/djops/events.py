"""Every journal event djops emits, kept as data.

The table is the single source for djops.systemd.journal, which writes
each event with its MESSAGE_ID and default priority, and for the catalog
(`djops.catalog`, rendered by djops.generate.catalog), so `journalctl -x`
explains every line djops writes.
"""

from typing import NamedTuple

# syslog priorities (journalctl -p)
EMERG, ALERT, CRIT, ERR, WARNING, NOTICE, INFO, DEBUG = range(8)
PRIORITY_NAMES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")

# the events that end one run of a unit, for "the last run" of each kind
CLEARSESSIONS_RESULT = ("clearsessions.done", "clearsessions.failed", "clearsessions.interrupted")
RELOAD_RESULT = ("reload.applied", "reload.rejected", "reload.failed", "reload.superseded")
HEARTBEAT_RESULT = ("heartbeat.sent",)
JOB_RESULT = ("job.done", "job.failed", "job.interrupted")
JOB_SKIPPED = "job.skipped"  # another host runs this occurrence (once per fleet)


class Event(NamedTuple):  # not a dataclass: every unit step imports this (inspect, ast: ~10 ms)
    message_id: str
    priority: int
    subject: str
    body: str


EVENTS: dict[str, Event] = {
    "clearsessions.done": Event(
        "e919f661231e49d192efaa99e417550b",
        INFO,
        "Expired Django sessions of @DJOPS_PROJECT@ cleared",
        "djops removed the expired sessions of project @DJOPS_PROJECT@ from\n"
        "@DJOPS_DATABASE@ in batches, each a short transaction. Sessions removed:\n"
        "@DJOPS_ROWS@; batches: @DJOPS_BATCHES@, the longest @DJOPS_LONGEST@ seconds;\n"
        "the whole run: @DJOPS_DURATION@ seconds.\n\n"
        "Nothing needs to be done. The schedule is the [clearsessions] schedule key\n"
        "of /etc/djops/@DJOPS_PROJECT@.toml; see `systemctl list-timers 'djops-*'`.",
    ),
    "clearsessions.failed": Event(
        "807fdf6bf061493fb38243789b0f50f9",
        ERR,
        "Clearing Django sessions of @DJOPS_PROJECT@ failed",
        "The scheduled removal of expired sessions failed: @DJOPS_REASON@\n\n"
        "Expired sessions stay in the database until the next successful run; no\n"
        "live session was touched. Look at the whole run with\n"
        "  journalctl -u djops-clearsessions@@DJOPS_PROJECT@.service\n"
        "fix the cause and run `djops clearsessions @DJOPS_PROJECT@` to retry.",
    ),
    "clearsessions.interrupted": Event(
        "f10e02ced03c4dd6a164765b985ca0ae",
        WARNING,
        "Clearing Django sessions of @DJOPS_PROJECT@ was interrupted",
        "The run was stopped (SIGTERM); expired sessions it removed: @DJOPS_ROWS@.\n"
        "Every finished batch is committed, the batch in flight is rolled back, and\n"
        "no lock is left behind. The next run continues where this one stopped.",
    ),
    "job.done": Event(
        "b6ec50849b5c4da49d9833620d7873ed",
        INFO,
        "Job @DJOPS_JOB@ of @DJOPS_PROJECT@ done",
        "The job [jobs.@DJOPS_JOB@] of /etc/djops/@DJOPS_PROJECT@.toml ran in\n"
        "@DJOPS_DURATION@ seconds and exited @DJOPS_EXIT@. Its output is in\n"
        "  journalctl DJOPS_PROJECT=@DJOPS_PROJECT@ DJOPS_JOB=@DJOPS_JOB@",
    ),
    "job.failed": Event(
        "61ff34734f554bf2b6858bc5b958956d",
        ERR,
        "Job @DJOPS_JOB@ of @DJOPS_PROJECT@ failed",
        "The job [jobs.@DJOPS_JOB@] exited @DJOPS_EXIT@ after @DJOPS_DURATION@ seconds.\n"
        "Its output went to the journal and, as cron did, to the job's mail_to:\n"
        "  journalctl DJOPS_PROJECT=@DJOPS_PROJECT@ DJOPS_JOB=@DJOPS_JOB@\n"
        "fix the cause and run `djops run @DJOPS_PROJECT@ @DJOPS_JOB@` to retry.",
    ),
    "job.interrupted": Event(
        "511923b81bad4c4d96593dc3e428ffc3",
        WARNING,
        "Job @DJOPS_JOB@ of @DJOPS_PROJECT@ was interrupted",
        "The run was stopped (SIGTERM, or its timeout_seconds passed) after\n"
        "@DJOPS_DURATION@ seconds; the timer starts it again at its next occurrence.",
    ),
    "job.skipped": Event(
        "c830a3f3883f45e69daf8c4d1d397509",
        NOTICE,
        "Job @DJOPS_JOB@ of @DJOPS_PROJECT@ left to @DJOPS_HOLDER@",
        "With once = true, each scheduled occurrence runs on one of the app servers\n"
        "that share the project's database. @DJOPS_HOLDER@ claimed this one (it ran\n"
        "it, or is running it), so this host did nothing. Which host ran the last\n"
        "occurrence: `djops status @DJOPS_PROJECT@`; the claims are in the table\n"
        "djops_claim of the project's database. The holder's claim had run\n"
        "@DJOPS_HELD_FOR@ seconds; a host last finished it with exit 0\n"
        "@DJOPS_SUCCEEDED_AGO@ seconds before (empty: not known). The check jobs\n"
        "counts a skip only by that success, and fails when it is older than twice\n"
        "the period or the holder holds longer than timeout_seconds.",
    ),
    "job.failing": Event(
        "d1e8b364740e4002b83ce05350afa6d3",
        WARNING,
        "Job @DJOPS_JOB@ of @DJOPS_PROJECT@ failed again, not mailed yet",
        "@DJOPS_UNIT@ failed: failure @DJOPS_FAILURES@ in a row. With alert_after =\n"
        "@DJOPS_ALERT_AFTER@ in its table of /etc/djops/@DJOPS_PROJECT@.toml the failure\n"
        "mail goes out when that many runs in a row failed, once. See the runs with\n"
        "  djops history @DJOPS_PROJECT@ @DJOPS_JOB@",
    ),
    "job.recovered": Event(
        "0c074b4c6913448f8c6ebc78b8b512e6",
        NOTICE,
        "Job @DJOPS_JOB@ of @DJOPS_PROJECT@ recovered",
        "The job succeeded again after alerted failures (failed runs in a row:\n"
        "@DJOPS_FAILURES@); a recovery mail was sent. Nothing needs to be done.",
    ),
    "job.too_fast": Event(
        "287d79687ffa4ce79560c22d0afbb837",
        WARNING,
        "Job @DJOPS_JOB@ of @DJOPS_PROJECT@ ended sooner than expected",
        "The run succeeded after @DJOPS_DURATION@ seconds, less than its\n"
        "min_runtime_seconds = @DJOPS_MIN@: it may have done nothing (an empty queue,\n"
        "a wrong argument, a backup of nothing). Look at its output with\n"
        "  journalctl DJOPS_PROJECT=@DJOPS_PROJECT@ DJOPS_JOB=@DJOPS_JOB@",
    ),
    "job.slow": Event(
        "f94735c6f6fe48a8bf948e1d1ca073e5",
        WARNING,
        "Job @DJOPS_JOB@ of @DJOPS_PROJECT@ runs longer than expected",
        "The run started @DJOPS_RUNNING@ seconds ago, more than its max_runtime_seconds =\n"
        "@DJOPS_MAX@. It goes on: timeout_seconds stops it. Logged once per run; see\n"
        "  systemctl status @DJOPS_UNIT@",
    ),
    "job.missed": Event(
        "4a388b63eb304b4881b0b8b6e20de406",
        ERR,
        "Job @DJOPS_JOB@ of @DJOPS_PROJECT@ did not start",
        "Its occurrence due at @DJOPS_DUE@ had not started on any host\n"
        "@DJOPS_GRACE@ seconds later (start_grace_seconds). Is its timer stopped, or\n"
        "the server down? Look with\n"
        "  systemctl list-timers 'djops-*'\n"
        "  djops status @DJOPS_PROJECT@",
    ),
    "job.paused": Event(
        "b1ba0be5bbec421daf2746d3ddeec20b",
        NOTICE,
        "Job @DJOPS_JOB@ of @DJOPS_PROJECT@ paused",
        "`djops pause` paused it (until @DJOPS_UNTIL@; empty: until `djops resume\n"
        "@DJOPS_PROJECT@ @DJOPS_JOB@`). Each run its timer starts meanwhile is skipped\n"
        "(ExecCondition=) and logged; it does not alert as missed or late.",
    ),
    "job.resumed": Event(
        "f0b1a98db23748169db452666e8a5dd8",
        NOTICE,
        "Job @DJOPS_JOB@ of @DJOPS_PROJECT@ resumed",
        "`djops resume`, or the end of its --until: it runs on its schedule again.",
    ),
    "reload.applied": Event(
        "a8561208e0c046438c3cc0eec0e8b798",
        NOTICE,
        "New settings of @DJOPS_PROJECT@ applied",
        "The settings and code were compiled, validated as the project user, and\n"
        "@DJOPS_SERVICE@ was restarted (or reloaded) with them.",
    ),
    "reload.rejected": Event(
        "e4a200af98d343ef914b20a76be2e72a",
        ERR,
        "New settings of @DJOPS_PROJECT@ rejected; the site keeps the old ones",
        "Validation failed, so @DJOPS_SERVICE@ was not touched and keeps serving the\n"
        "previous settings. Reason (settings values are never shown): @DJOPS_REASON@\n\n"
        "Fix the file; the watcher retries on the next save, or run\n"
        "`djops reload @DJOPS_PROJECT@` by hand.",
    ),
    "reload.failed": Event(
        "1063aaa32f054f52885d68a9fc3101e7",
        ERR,
        "@DJOPS_SERVICE@ of @DJOPS_PROJECT@ did not come back after applying settings",
        "The new settings were valid, but restarting (or reloading) @DJOPS_SERVICE@\n"
        "failed: @DJOPS_REASON@\n\n"
        "Look at `journalctl -u @DJOPS_SERVICE@ -n 50` and `systemctl status @DJOPS_SERVICE@`.",
    ),
    "reload.superseded": Event(
        "5b0f3c1e9d8a4e6f8a27c4d1b9e06a53",
        NOTICE,
        "Settings of @DJOPS_PROJECT@ changed again while they were validated",
        "A save landed between the validation and the restart, so what was\n"
        "validated is not what @DJOPS_SERVICE@ would load: it was not restarted and\n"
        "keeps serving the settings it had. djops-watch.service saw that save and\n"
        "validates it next; `djops reload @DJOPS_PROJECT@` does the same by hand.",
    ),
    "reload.not_compiled": Event(
        "514c054e8b2a46b2bfe29a1bed1db879",
        WARNING,
        "Code or settings of @DJOPS_PROJECT@ not compiled as root: not root's alone",
        "djops compiles bytecode as root only where nobody but root can write: the\n"
        "interpreter, the directories compiled and every directory above them. These\n"
        "were skipped: @DJOPS_REASON@\n\n"
        "The reload goes on: the settings are validated and applied as usual, and\n"
        "gunicorn compiles what it can itself. To have djops compile them, make them\n"
        "root's (each part of the message says which chown or chmod), or accept the\n"
        "warning. `djops check @DJOPS_PROJECT@` lists the same.",
    ),
    "reload.requested": Event(
        "2cd408dfedc449ceb5b5d00213cd6a45",
        INFO,
        "Settings of @DJOPS_PROJECT@ changed",
        "djops-watch.service saw files change (@DJOPS_CHANGED@)\n"
        "and started djops-reload@@DJOPS_PROJECT@.service to validate and apply them.",
    ),
    "watch.degraded": Event(
        "433bc352be0d4daa8aca118cbc0fa5fc",
        ERR,
        "The settings watcher of @DJOPS_PROJECT@ is not watching",
        "inotify stopped or could not start: @DJOPS_REASON@\n\n"
        "Until it works again djops-watch.service polls @DJOPS_PROJECT@'s watched\n"
        "directories every few seconds, so changes are still validated and applied,\n"
        "only later; it retries inotify on its own. If the reason is a limit, raise\n"
        "it (sysctl fs.inotify.max_user_watches or max_user_instances).",
    ),
    "watch.recovered": Event(
        "52740f373e0d4f5a8a6a93d67918888f",
        NOTICE,
        "The settings watcher of @DJOPS_PROJECT@ watches again",
        "inotify works again. What changed meanwhile is compared and, if anything\n"
        "did, validated and applied.",
    ),
    "health.degraded": Event(
        "c548cdf963a447678edacc897ea86162",
        WARNING,
        "Health check @DJOPS_CHECK@ of @DJOPS_PROJECT@ is failing",
        "Incident @DJOPS_INCIDENT@: the checks failing together (@DJOPS_CHECK@, cause\n"
        "@DJOPS_CAUSE@, the most upstream of them) are failing: @DJOPS_REASON@\n"
        "Rounds failed in a row: @DJOPS_FAILURES@.\n"
        "An alert mail follows if it keeps failing; all its mails are one thread.",
    ),
    "health.alert": Event(
        "3da5694fa0ae4a809b7495c20478a7ce",
        ERR,
        "Health check @DJOPS_CHECK@ of @DJOPS_PROJECT@ needs attention",
        "Incident @DJOPS_INCIDENT@ (cause: check @DJOPS_CAUSE@) keeps failing:\n"
        "@DJOPS_REASON@\n"
        "Rounds failed in a row: @DJOPS_FAILURES@.\n"
        "An alert mail was sent (a reminder at most hourly while it lasts). Look at\n"
        "`djops status @DJOPS_PROJECT@` and\n"
        "`journalctl DJOPS_PROJECT=@DJOPS_PROJECT@ DJOPS_INCIDENT=@DJOPS_INCIDENT@`.",
    ),
    "health.restarted": Event(
        "6ea25820c89b46899fabb38a1d61ce97",
        CRIT,
        "djops restarted @DJOPS_SERVICE@ of @DJOPS_PROJECT@",
        "The site kept failing (incident @DJOPS_INCIDENT@: @DJOPS_REASON@), so djops\n"
        "restarted its service once. It will not restart again until the site has\n"
        "been seen healthy. What the restart does to checks service and http is\n"
        "djops' own doing: for a while, their failures are not counted.",
    ),
    "health.restart_held": Event(
        "ff4b22ec117a497c9333831114ff1ac7",
        CRIT,
        "djops did not restart @DJOPS_SERVICE@ of @DJOPS_PROJECT@: check @DJOPS_CAUSE@ is failing",
        "Check @DJOPS_CHECK@ has failed enough rounds in a row for the one restart\n"
        "djops makes (rounds failed: @DJOPS_FAILURES@), but check @DJOPS_CAUSE@ is\n"
        "failing too, and it is the cause: @DJOPS_REASON@\n\n"
        "A restart of the site cannot heal its database and would only drop the\n"
        "requests in flight, so djops holds it back. Look at the database server\n"
        "(`systemctl status postgresql`, `systemctl status mariadb`). A check that\n"
        "still fails a round after @DJOPS_CAUSE@ passes again gets its one restart.",
    ),
    "health.recovered": Event(
        "1372eefd0d91497fb174f30c3a8c4af1",
        NOTICE,
        "Health check @DJOPS_CHECK@ of @DJOPS_PROJECT@ recovered",
        "Every check of incident @DJOPS_INCIDENT@ passes again (rounds failed before:\n"
        "@DJOPS_FAILURES@). A recovery mail was sent, in the thread of its alert.",
    ),
    "health.overrun": Event(
        "d40cc772c1b04a54a0f218cafa5e45c8",
        WARNING,
        "A health round of @DJOPS_PROJECT@ ran past its interval",
        "djops-health.service started a round of @DJOPS_PROJECT@'s checks\n"
        "@DJOPS_RUNNING@ seconds ago and it has not ended, longer than its\n"
        "[health] interval_seconds of @DJOPS_INTERVAL@: a probe hangs (an HTTP URL\n"
        "that accepts and never answers, a database server, the journal). The next\n"
        "round of this project waits for it; the other projects' rounds go on, and\n"
        "the daemon keeps answering systemd's watchdog. See\n"
        "  systemctl status djops-health.service   djops status @DJOPS_PROJECT@",
    ),
    "health.round_failed": Event(
        "0edde4d0264a47f6a27d55f3ed75ba0b",
        CRIT,
        "A health round of @DJOPS_PROJECT@ failed",
        "djops-health.service could not finish a round of @DJOPS_PROJECT@'s checks:\n"
        "@DJOPS_REASON@\n\n"
        "It is a bug in djops or a broken host; the other projects are not affected\n"
        "and the round is tried again every interval. Logged once until it passes.",
    ),
    "health.config_failed": Event(
        "d6d40964c032435aa58de599d1ff884b",
        CRIT,
        "The config of @DJOPS_PROJECT@ does not load",
        "djops-health.service read /etc/djops/@DJOPS_PROJECT@.toml again after it\n"
        "changed and could not load it: @DJOPS_REASON@\n\n"
        "An alert mail was sent. The project's checks go on with the config last\n"
        "loaded, the other projects' too. Fix the file (`djops check\n"
        "@DJOPS_PROJECT@` says what is wrong), then run `djops enable @DJOPS_PROJECT@`.",
    ),
    "health.config_loaded": Event(
        "9ce6d697410644d79222c0d87ffd32ad",
        INFO,
        "The config of @DJOPS_PROJECT@ loads again",
        "djops-health.service loaded /etc/djops/@DJOPS_PROJECT@.toml again after\n"
        "an error; the checks follow the new config.",
    ),
    "health.daemon_restarted": Event(
        "a42d8242f8f14f19979ff489623431cd",
        CRIT,
        "djops-health.service was restarted after its process died",
        "The previous process of djops-health.service ended without being stopped\n"
        "(killed, crashed, or killed by systemd's watchdog after it hung), and\n"
        "systemd restarted it. An alert mail was sent. The checks go on from the\n"
        "state saved after each round (/var/lib/djops/health-@DJOPS_PROJECT@.json);\n"
        "see `journalctl -u djops-health.service` for how it ended.",
    ),
    "heartbeat.sent": Event(
        "b1f7318c515e404b8ec8449d98a96c15",
        INFO,
        "Heartbeat mail of @DJOPS_PROJECT@ sent",
        "The periodic report was handed to sendmail. If it stops arriving, mail or\n"
        "the server is broken.",
    ),
    "mail.failed": Event(
        "0772d66443b64dd6b37d3819168cd6f8",
        CRIT,
        "djops could not hand a mail to sendmail",
        "The mail was kept in /var/lib/djops/outbox/ and will be retried: @DJOPS_REASON@\n"
        "Check that the [health] sendmail path exists and that the MTA works.\n"
        "After a day it is given up (notify.dropped) and kept, never deleted, in\n"
        "/var/lib/djops/outbox/given-up/.",
    ),
    "notify.failed": Event(
        "4d303eaa4c914d9e8bfabb50907b4dd1",
        WARNING,
        "A notification of @DJOPS_PROJECT@ to @DJOPS_URL@ was not delivered",
        "djops-notify.service could not deliver a notification to a [notify] url\n"
        "(Apprise, named by its scheme and fingerprint, never whole): @DJOPS_REASON@\n\n"
        "Nothing is lost yet: it stays in /var/lib/djops/notify/ and is retried with\n"
        "backoff for a day; the later messages to that URL wait behind it, so they\n"
        "arrive in order, and other channels are not delayed. See\n"
        "  systemctl status djops-notify.service\n"
        "and `djops check @DJOPS_PROJECT@` (is the apprise package installed?).",
    ),
    "notify.dropped": Event(
        "577d67b2fcee453ba57953c82b5dfe98",
        CRIT,
        "Messages of @DJOPS_PROJECT@ to @DJOPS_URL@ were given up (@DJOPS_COUNT@)",
        "A channel (an Apprise [notify] url or a healthchecks ping_url, named by\n"
        "its scheme and fingerprint; or mail, named by its recipients) did not\n"
        "take @DJOPS_COUNT@ of its messages, and djops gave them up: @DJOPS_REASON@\n\n"
        "A message is retried for a day at most, and a queue holds at most 1000;\n"
        "the older ones leave it so that nothing retried grows without bound.\n\n"
        "Notifications and pings are dropped: read them in the journal\n"
        "(notify.failed and ping.failed name the same channel) and in the mail\n"
        "that says this. Fix the channel (`djops check @DJOPS_PROJECT@`, `djops\n"
        "status @DJOPS_PROJECT@`), or take its URL out of\n"
        "/etc/djops/@DJOPS_PROJECT@.toml.\n\n"
        "Mail is never dropped: it is kept in /var/lib/djops/outbox/given-up/\n"
        "(DJOPS_KEPT), and no mail says so. Read why in\n"
        "mail.failed, fix sendmail or the MTA (`djops check @DJOPS_PROJECT@`), then\n"
        "put the mail back in the outbox, where it is retried for another day:\n"
        "  mv /var/lib/djops/outbox/given-up/*.json /var/lib/djops/outbox/\n"
        "`djops check` warns while any mail is kept there; djops never deletes it.",
    ),
    "ping.failed": Event(
        "f8aaaae94e424be596287f76b6e74c46",
        WARNING,
        "A ping of @DJOPS_PROJECT@ to @DJOPS_URL@ failed",
        "djops-ping.service could not deliver a healthchecks ping (the ping_url is\n"
        "named by its scheme and fingerprint, never whole): @DJOPS_REASON@\n\n"
        "The run itself is not affected. The ping stays queued in\n"
        "/var/lib/djops/pings/ and is retried with backoff, in order, for a day;\n"
        "then it is dropped (notify.dropped). See `systemctl status djops-ping.service`.",
    ),
    "metrics.failed": Event(
        "d8d89e9121fb4a23b45d3045a86c8bfe",
        WARNING,
        "djops could not write the metrics of @DJOPS_PROJECT@",
        "djops-health could not write its Prometheus textfile: @DJOPS_REASON@\n\n"
        "The site is not affected; the metrics go stale until the next round that\n"
        "can write them. Check the [metrics] textfile_dir of\n"
        "/etc/djops/@DJOPS_PROJECT@.toml and the free space there.",
    ),
    "state.failed": Event(
        "f8d8a21416de4a8ab7dfe94379988259",
        CRIT,
        "djops could not write its state for @DJOPS_PROJECT@",
        "A djops daemon could not write a file under /var/lib/djops: @DJOPS_REASON@\n\n"
        "It goes on from memory and retries; what it could not write (the health\n"
        "ladder, a mail) is kept in memory until then. Usually the disk is full:\n"
        "see `df -h /var/lib/djops`.",
    ),
    "state.ignored": Event(
        "62b1abadbf224f3583d42f36740c7f78",
        WARNING,
        "djops ignored a broken state file of @DJOPS_PROJECT@",
        "A state file was truncated or is not what djops writes: @DJOPS_REASON@\n\n"
        "The daemon started afresh (for the health service: every check's count\n"
        "starts at zero) and writes a good file at its next round.",
    ),
    "unit.failed": Event(
        "7346c87baf934aad9ff80e27ae811f83",
        ERR,
        "Unit @DJOPS_UNIT@ of @DJOPS_PROJECT@ failed",
        "A failure mail with its status and journal excerpt was sent. Inspect it with\n"
        "  systemctl status @DJOPS_UNIT@",
    ),
    "project.enabled": Event(
        "ec1597220a70464b9c52279d7bf88fbb",
        NOTICE,
        "djops enabled for @DJOPS_PROJECT@",
        "The drop-ins were written and the units of djops@@DJOPS_PROJECT@.target started.",
    ),
    "project.disabled": Event(
        "6be389ad4a7c4967afe7d09a35ab1927",
        NOTICE,
        "djops disabled for @DJOPS_PROJECT@",
        "The units were stopped and disabled and their drop-ins removed.",
    ),
}
