"""The one call that tells every configured channel: mail to [health]
mail_to (or `to`), and each [notify] url for the kinds that go there.

Mail gets the whole body; a chat notice gets the mail's subject as its title
and the short lines `chat` (djops.channels.chat), typed by severity.
Everything is masked with the project's redactor first (the loaded secret
values and the settings scan), so no channel ever receives a secret.
"""

from djops.adapters import secrets
from djops.channels import apprise, chat, mail, sendmail
from djops.config import Config
from djops.events import ERR, INFO, PRIORITY_NAMES
from djops.text import printable

# the journal priority of what each kind announces; a recovery has its
# alert's, so it goes wherever the alert it ends went. The heartbeat goes
# to chat only with min_priority = "info" (or "debug"); a successful job's
# output is mail only.
PRIORITY = {"alert": ERR, "reminder": ERR, "recovery": ERR, "failure": ERR, "heartbeat": INFO}


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
    msg = sendmail.compose(cfg.name, kind, subject, body, to or cfg.health.mail_to, thread)
    mail.send(cfg.name, msg, cfg.health.sendmail)
    if cfg.notify.urls and goes_out(cfg, kind):
        text = redactor.redact(printable("\n".join(lines))) if lines else body
        short = chat.body(text.split("\n") if lines else text.strip().split("\n")[:1])
        kind_type = severity if severity in chat.TYPES else chat.kind_type(kind)
        apprise.send(cfg.name, cfg.notify.urls, str(msg["Subject"]), short, kind_type)


def goes_out(cfg: Config, kind: str) -> bool:
    """Whether `kind` reaches [notify] min_priority (a lower number is more urgent)."""
    priority = PRIORITY.get(kind)
    return priority is not None and priority <= PRIORITY_NAMES.index(cfg.notify.min_priority)
