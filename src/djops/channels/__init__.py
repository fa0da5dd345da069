"""Every way out of djops. The channels are listed in one table, `registry`,
one line per module, each naming its module's `channel.Channel` record (name,
deliver, fingerprint, notices, config URLs, summary, queue, failure event,
units) that every consumer reads; one module each: `mail` (the outbox handed to sendmail by djops-mailqueue.service;
`sendmail` composes and hands over, `dmaspool` reads dma's queue),
`pings` (healthchecks-compatible pings, djops-ping.service; `runpings`
queues a run's) and `notify` ([notify] urls, djops-notify.service, through
`apprise`, Debian's library): each module has its channel's name, the one
the user sees (`djops flush-NAME`). Each keeps a durable
queue of the one shape `queue` describes, and `drain` is the one loop that
delivers every queue: a channel tells it how to send one entry and which
entries keep their order, and `dropped` is how a queue gives up (loudly:
pings and notices are deleted and `dropmail` mails it; mail is kept aside).
`announce` gives one masked `notice` to every channel that carries
notices, `chat` sizes and types a chat notice, and `fingerprint` is the
one way a destination's URL is shown."""
