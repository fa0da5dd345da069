"""Every way out of djops, one module per channel: mail (sendmail, with the
outbox and dma's spool), healthchecks pings, Apprise URLs; `announce` tells
all the configured ones, and `queue` is the one durable queue with backoff
under them."""
