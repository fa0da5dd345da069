"""One announcement as every channel receives it, already masked by the
project's redactor (djops.channels.announce does that once, so no channel
can forget): a channel takes what fits it, the whole mail or a chat notice.
A NamedTuple: the delivery units start the CLI, and dataclasses' imports cost."""

from typing import NamedTuple


class Notice(NamedTuple):
    kind: str  # "alert", "recovery", "heartbeat", ... (djops.channels.chat.TYPE_OF)
    subject: str  # as the caller wrote it; the mail adds "[djops] P@HOST: "
    title: str  # the mail's whole Subject: the chat notice's title
    body: str
    to: list[str] | None = None  # mail recipients; None: [health] mail_to
    lines: list[str] | None = None  # the chat notice; None: the body's first line
    severity: str | None = None  # its Apprise type; None: the kind's
    thread: dict[str, str] | None = None  # Message-Id, In-Reply-To, References
