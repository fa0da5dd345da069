"""Mail as cron sent it: compose, keep in the outbox, hand to sendmail; the
words of every djops mail; the OnFailure= handler."""
