"""Debian's `apprise` package (Suggests:), the library the notify channel
(djops.channels.notify) delivers through: whether it is installed, what to
do when it is not, and one message to one URL. Never imported before a
message goes out: it costs the CLI's start."""

import importlib.util
import logging

from djops.channels import chat, drain, fingerprint
from djops.text import one_line


class DeliveryError(drain.Undelivered):
    """Apprise is missing, or did not deliver; the reason is one line."""


def available() -> bool:
    """Whether Debian's `apprise` package is installed (Suggests:)."""
    return importlib.util.find_spec("apprise") is not None


def missing(urls: list[str]) -> str:
    """What to do when urls are set and Apprise is not installed; "" if nothing."""
    if not urls or available():
        return ""
    return (
        f"[notify] urls: {len(urls)} set, but Apprise is missing: apt install apprise "
        "(the notifications wait in /var/lib/djops/notify/ until then)"
    )


def deliver(url: str, title: str, body: str, kind_type: str = chat.INFO) -> None:
    """One message to one URL, or DeliveryError (its words never quote the URL)."""
    if not available():
        raise DeliveryError("Apprise is not installed (apt install apprise)")
    import apprise as lib  # Debian's apprise package

    _quiet(lib)
    try:
        a = lib.Apprise()
        accepted = a.add(url)
        took = accepted and a.notify(body=body, title=title, notify_type=kind_type)
    except Exception as e:  # each of Apprise's plugins raises its own
        # (http.client.HTTPException, ValueError on a malformed answer, ...):
        # the entry stays queued and is retried, as for a refusal
        why = fingerprint.scrub(f"{type(e).__name__}: {e}", url)
        raise DeliveryError(one_line(why, 300)) from None
    if not accepted:
        raise DeliveryError(f"Apprise does not accept the URL {fingerprint.label(url)}")
    if not took:
        raise DeliveryError(f"{fingerprint.label(url)} did not take it")


def _quiet(lib: object) -> None:
    """Apprise's own log lines name the service's target (a topic, a device,
    a key): none of them reaches the journal."""
    log = logging.getLogger("apprise")
    log.propagate = False
    if not log.handlers:
        log.addHandler(logging.NullHandler())
