"""The one call that tells every configured channel: each channel of the
registry (djops.channels.registry) that carries notices gets the same
Notice and takes what fits it (mail the whole body to [health] mail_to or
`to`, Apprise a chat notice to each [notify] url, for the kinds that go
there).

Everything is masked with the project's redactor first (the loaded secret
values and the settings scan), here and only here, so no channel ever
receives a secret.
"""

from djops.bridge import secrets
from djops.channels import registry, sendmail
from djops.channels.notice import Notice
from djops.config import Config
from djops.text import printable


def announce(
    cfg: Config,
    kind: str,
    subject: str,
    body: str,
    to: list[str] | None = None,
    lines: list[str] | None = None,
    severity: str | None = None,
    thread: dict[str, str] | None = None,
) -> None:
    """Queue the message on every channel it goes to (never waits on one).
    `lines`: the chat notice (default: the body's first line); `severity`:
    its Apprise type (default: the kind's, djops.channels.chat.TYPE_OF);
    `thread`: Message-Id, In-Reply-To, References of an incident's mail."""
    redactor = secrets.redactor(cfg)
    subject, body = redactor.redact(subject), redactor.redact(printable(body))
    short = redactor.redact(printable("\n".join(lines))).split("\n") if lines else None
    title = sendmail.title(cfg.name, subject)
    notice = Notice(kind, subject, title, body, to, short, severity, thread)
    for channel in registry.announcing():
        channel.announce(cfg, notice)
