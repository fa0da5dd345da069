"""What djops says in its mails, not how they travel: the words of every
mail and its chat notice (notices), and the OnFailure= handler that mails a
failed unit's run (failure). When a failing job's mail goes out is the job
policy's (djops.jobs.policy.alerting); composing, the outbox and sendmail
are the mail channel's (djops.channels.mail, .sendmail)."""
