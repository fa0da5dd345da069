"""Failures a restart of P.service cannot heal, and that make the site fail
with them: while one of them fails, a failing `service` or `http` check is
its symptom, so no restart (it would only drop the requests in flight), and
the check's events and mails name the cause."""

from djops.health.check import Result

# checks whose failure explains the site's, in the order they are named
UPSTREAM = ("database",)


def first_cause(now: dict[str, Result], before: dict[str, Result]) -> tuple[str, str]:
    """(check, how it fails) of the first upstream check failing this round,
    or back only since this round (the site gets a round to reconnect before
    a restart is its due); ("", "") when none."""
    for name in UPSTREAM:
        r, b = now.get(name), before.get(name)
        if r is not None and not r[0]:
            return name, f"failing ({r[1]})"
        if r is not None and b is not None and not b[0]:
            return name, f"failing until this round ({b[1]})"
    return "", ""


def note(cause: str, how: str, service: str) -> str:
    """What a held-back check's detail gets appended, so its journal line,
    mail and `djops status` say why the site was not restarted."""
    how = f" {how}" if how else ""  # "": the cause's own line is beside it
    return f"; cause: check {cause}{how}, which a restart of {service} cannot heal"
