"""What djops says in its mails, not how they travel: the words of every
mail and its chat notice (notices), when a failing job's mail and its
recovery mail go out (alerting), and the OnFailure= handler that mails a
failed unit's run (failure). Composing, the outbox and sendmail are the
mail channel's (djops.channels.mail, .sendmail)."""
