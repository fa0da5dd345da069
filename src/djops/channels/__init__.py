"""Every way out of djops, one module per channel: mail (sendmail, with the
outbox and dma's spool), healthchecks pings, Apprise URLs; `announce` tells
all the configured ones, `chat` sizes and types a chat notice, `queue` is
the one durable queue with backoff under them, `dropped` is how a queue
gives up (loudly), and `fingerprint` the one way a channel's URL is shown."""
