"""Per-project drop-ins under /etc/systemd/system: what the template units
cannot know by themselves (the project user, the schedule).

Each drop-in is named `djops.conf` inside `<unit>.d/` and starts with a
header saying who wrote it, so `djops disable` removes exactly these.
"""

import contextlib
from pathlib import Path

from djops import paths

HEADER = "# Written by `djops enable`; `djops disable` removes it.\n# Edit /etc/djops/{p}.toml instead, then run `djops enable {p}` again.\n"
NAME = "djops.conf"


def path_of(unit: str) -> Path:
    """djops.conf in djops' own units; in another unit (P.service) a name
    that says what djops added: djops-onfailure.conf."""
    name = NAME if unit.startswith("djops") else "djops-onfailure.conf"
    return paths.systemd_dir() / f"{unit}.d" / name


def write(project: str, contents: dict[str, str]) -> list[str]:
    """Write {unit: body}; return the units whose drop-in changed."""
    changed: list[str] = []
    for unit, body in contents.items():
        target = path_of(unit)
        text = HEADER.format(p=project) + body
        if target.exists() and target.read_text() == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.chmod(0o644)
        tmp.replace(target)
        changed.append(unit)
    return changed


def remove(units: list[str]) -> bool:
    """Remove our drop-ins (and their directory if then empty)."""
    changed = False
    for unit in units:
        target = path_of(unit)
        if target.exists():
            target.unlink()
            changed = True
        with contextlib.suppress(OSError):
            target.parent.rmdir()
    return changed
