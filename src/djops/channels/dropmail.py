"""The mail that says a ping or Apprise queue dropped messages (beside its
notify.dropped entry, djops.channels.dropped), to the project's [health]
mail_to: kept in the outbox, it goes whenever mail works. Its own module
because the mail outbox gives up through djops.channels.dropped too, and
that one must not import the mail channel (an import circle); the mail
outbox itself is never told by mail, since mail is what failed."""

import contextlib
import socket

from djops import config
from djops.channels import dropped, mail, sendmail
from djops.errors import ConfigError
from djops.text import plural


def tell(project: str, label: str, what: str, n: int, why: str, titles: list[str]) -> None:
    """Mail what notify.dropped said, naming the oldest dropped messages."""
    try:
        cfg = config.load(project, live=False)
    except ConfigError:
        try:
            cfg = config.defaults(project)
        except ConfigError:
            return  # no project of that name: the journal entry is all
    text = dropped.summary(project, label, what, n, why)
    body = (
        f"{text}.\n\n"
        + "".join(f"  {t}\n" for t in titles)
        + ("  ...\n" if n > len(titles) and titles else "")
        + f"\nSee why with: journalctl DJOPS_PROJECT={project} DJOPS_URL={label}\n"
        + f"--\nSent by djops on {socket.getfqdn()}.\n"
    )
    subject = f"DROPPED {plural(n, what)} to {label}"
    msg = sendmail.compose(project, "dropped", subject, body, cfg.health.mail_to)
    with contextlib.suppress(OSError):  # the outbox is full or broken: the journal entry stands
        mail.send(project, msg, cfg.health.sendmail)
