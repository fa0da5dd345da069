"""A notice sized for chat and push (the [notify] urls): the mail's subject as
the title and at most five short lines (what, since when, the cause, the one
command that shows more); the mail keeps the whole excerpt. Its Apprise type
follows the severity, so a chat app shows a failure as one."""

from djops.text import one_line

MAX_LINES = 5
MAX_LINE = 300  # characters; a push service cuts shorter where it must

# Apprise's notify types (apprise.NotifyType values)
FAILURE, WARNING, SUCCESS, INFO = "failure", "warning", "success", "info"
TYPES = (INFO, SUCCESS, WARNING, FAILURE)

# the type of each kind of message; an alert whose cause is only slow or
# missed runs says WARNING itself (djops.mail.notices). A degraded check is
# no kind here: it is never announced (the journal only, so a flapping
# probe pages nobody)
TYPE_OF = {
    "alert": FAILURE,
    "reminder": FAILURE,
    "failure": FAILURE,
    "recovery": SUCCESS,
    "heartbeat": INFO,
}


def body(lines: list[str]) -> str:
    """At most MAX_LINES lines, each one line of at most MAX_LINE characters."""
    kept = [one_line(ln, MAX_LINE) for ln in lines]
    return "\n".join([ln for ln in kept if ln][:MAX_LINES])


def kind_type(kind: str) -> str:
    return TYPE_OF.get(kind, INFO)
