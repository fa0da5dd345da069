"""The one call that tells every configured channel: mail to [health]
mail_to (or `to`), and each [notify] url for the kinds that go there.

Everything is masked with the project's redactor first (the loaded secret
values and the settings scan), so no channel ever receives a secret.
"""

from djops.adapters import secrets
from djops.channels import apprise, mail, sendmail
from djops.config import Config
from djops.events import ERR, PRIORITY_NAMES
from djops.text import printable

# the journal priority of what each kind announces; a recovery has its
# alert's, so it goes wherever the alert it ends went. The heartbeat and a
# successful job's output are mail only.
PRIORITY = {"alert": ERR, "reminder": ERR, "recovery": ERR, "failure": ERR}


def announce(
    cfg: Config,
    kind: str,
    subject: str,
    body: str,
    to: list[str] | None = None,
    thread: dict[str, str] | None = None,
) -> None:
    """Queue the message on every channel it goes to (never waits on one);
    `thread`: Message-Id, In-Reply-To, References of an incident's mail."""
    redactor = secrets.redactor(cfg)
    subject, body = redactor.redact(subject), redactor.redact(printable(body))
    msg = sendmail.compose(cfg.name, kind, subject, body, to or cfg.health.mail_to, thread)
    mail.send(cfg.name, msg, cfg.health.sendmail)
    if cfg.notify.urls and goes_out(cfg, kind):
        apprise.send(cfg.name, cfg.notify.urls, str(msg["Subject"]), body)


def goes_out(cfg: Config, kind: str) -> bool:
    """Whether `kind` reaches [notify] min_priority (a lower number is more urgent)."""
    priority = PRIORITY.get(kind)
    return priority is not None and priority <= PRIORITY_NAMES.index(cfg.notify.min_priority)
