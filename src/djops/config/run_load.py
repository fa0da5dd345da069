"""A unit's load of P.toml (a job run's, `djops job P:NAME` and the root
step after it, and a reload's, between a settings write and the restart):
the checked form `djops enable` kept (djops.config.cache) with only the
live checks done again, and without the schema, whose dataclasses'
imports and classes are ~15 ms of each start.

It serves the plain case only: no checked form (or one from before it
kept what a run needs), a live check that fails, anything unexpected, and
config.load reads the file the whole way and says what is wrong, in the
same words as always."""

from collections.abc import Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from djops.config import cache, live_values, restart_modes, values
from djops.config.load import JOBS, Config, check_name, config_path, load


class Table(SimpleNamespace):
    """A section or a [jobs.NAME] as a run reads it: its keys as attributes,
    read-only as the schema's frozen dataclasses are."""

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")


def load_for_run(name: str) -> Config:
    """What config.load(name) returns, its sections and jobs as Tables."""
    check_name(name)
    path = config_path(name)
    try:
        raw = path.read_bytes()
    except OSError:
        return load(name)
    typed = cache.read(name, raw)
    return (typed and _from_checked(path, name, typed)) or load(name)


def _from_checked(path: Path, name: str, typed: cache.Typed) -> Config | None:
    """config.load's _build(live=True) from the kept form and shape; None
    where it would raise (or the form is not what this djops keeps)."""
    try:
        shape = typed[cache.RUN]
        live = shape["live"]
        parts = {
            s: Table(**{k: _live(live[s], k, v) for k, (v, _given) in fields.items()})
            for s, fields in typed["sections"].items()
        }
        health = parts["health"]
        if not health.warn_after <= health.alert_after <= health.restart_after:
            return None
        if restart_modes.of(parts["watch"].restart).needs_socket and not parts["socket"].listen:
            return None
        jobs = _jobs(typed["jobs"], live[JOBS], shape["job_defaults"], parts["project"].user)
        return Config(name=name, path=path, **parts, jobs=jobs)
    except (values.Invalid, LookupError, TypeError, ValueError, AttributeError):
        return None


def _live(checks: dict[str, str], key: str, value: Any) -> Any:
    """`value` through the key's live check, if it has one."""
    return _check(checks[key])(value) if key in checks else value


def _check(check: str) -> Any:
    """A live check by the name the kept shape gives: one of live_values'."""
    found = vars(live_values).get(check)
    if not callable(found) or getattr(found, "__module__", None) != live_values.__name__:
        raise LookupError(check)
    return found


def _jobs(
    given: dict[str, dict[str, Any]], checks: dict[str, str], defaults: dict[str, Any], user: str
) -> "Jobs":
    """As config.load's _jobs: every job's live checks now, each distinct
    value once (a failing one fails the load, whichever job has it)."""
    checked: dict[tuple[str, str], Any] = {}
    for table in given.values():
        for key, check in checks.items():
            value = table[key] if key in table else defaults[key]
            memo = (key, repr(value))
            if memo not in checked:
                checked[memo] = _check(check)(value)
    return Jobs(given, defaults, checks, checked, user)


class Jobs(Mapping[str, Table]):
    """The [jobs.NAME] tables, each built when first read: a run reads one
    job of P's thousand (~3 ms to build them all)."""

    def __init__(
        self,
        given: dict[str, dict[str, Any]],
        defaults: dict[str, Any],
        checks: dict[str, str],
        checked: dict[tuple[str, str], Any],
        user: str,
    ) -> None:
        self._given, self._defaults, self._checks = given, defaults, checks
        self._checked, self._user = checked, user
        self._built: dict[str, Table] = {}

    def __getitem__(self, job: str) -> Table:
        if job not in self._built:
            self._built[job] = self._build(self._given[job])
        return self._built[job]

    def __iter__(self) -> Iterator[str]:
        return iter(self._given)

    def __len__(self) -> int:
        return len(self._given)

    def __repr__(self) -> str:
        return repr(dict(self))

    def _build(self, table: dict[str, Any]) -> Table:
        """As config.load's Job: a key left out at its default (a fresh list
        or table, as a dataclass's default_factory gives), the live checks'
        answers, "" for the user the [project] user."""
        fields = self._defaults | table
        for key, value in self._defaults.items():
            if key not in table and isinstance(value, list | dict):
                fields[key] = type(value)(value)
        for key in self._checks:
            fields[key] = self._checked[(key, repr(fields[key]))]
        fields["user"] = fields.get("user") or self._user
        return Table(**fields)
