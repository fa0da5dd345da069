"""Failures a restart of P.service cannot heal, and that make the site fail
with them: while one of them fails, a failing `service` or `http` check is
its symptom, so no restart (it would only drop the requests in flight), and
the check's events and mails name the cause."""

from djops.health.probes import Result

# checks whose failure explains the site's, in the order they are named
UPSTREAM = ("database",)


def first_cause(results: dict[str, Result]) -> tuple[str, str]:
    """(check, its detail) of the first failing upstream check of this round,
    or ("", "") when none fails."""
    for name in UPSTREAM:
        r = results.get(name)
        if r is not None and not r[0]:
            return name, r[1]
    return "", ""


def note(cause: str, detail: str, service: str) -> str:
    """What a held-back check's detail gets appended, so its journal line,
    mail and `djops status` say why the site was not restarted."""
    return f"; cause: check {cause} failing ({detail}), so no restart of {service} while it fails"
