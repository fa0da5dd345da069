"""Every way out of djops. The channels are listed in one table, `registry`
(name, deliver, fingerprint, and whether it carries notices): `mail`
(the outbox handed to sendmail; `mailqueue` is djops-mailqueue.service,
`sendmail` composes and hands over, `dmaspool` reads dma's queue),
`healthchecks` (pings; `runpings` queues a run's), and `apprise` ([notify]
urls; `apprisequeue` is djops-notify.service). `announce` gives one masked
`notice` to every channel that carries notices, `chat` sizes and types a
chat notice; under them `queue` is the shape every channel's durable queue
shares, `dropped` how a queue gives up (loudly), and `fingerprint` the one
way a destination's URL is shown."""
