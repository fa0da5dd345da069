"""The Prometheus text exposition format, written as node-exporter's
textfile collector wants it: one file per project, `djops_P.prom`, replaced
atomically (a scrape never sees half a file)."""

import os
from dataclasses import dataclass, field
from pathlib import Path

from djops import safefs


@dataclass
class Family:
    name: str  # djops_..., with Prometheus' unit suffixes
    help: str
    kind: str = "gauge"
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float, **labels: str) -> None:
        self.samples.append((labels, value))


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(families: list[Family]) -> str:
    out = []
    for f in families:
        if not f.samples:
            continue
        out += [f"# HELP {f.name} {f.help}", f"# TYPE {f.name} {f.kind}"]
        for labels, value in f.samples:
            inner = ",".join(f'{k}="{_label(v)}"' for k, v in sorted(labels.items()))
            out.append(f"{f.name}{{{inner}}} {value:.17g}")
    return "\n".join(out) + "\n"


def path(directory: str, project: str) -> Path:
    return Path(directory) / f"djops_{project}.prom"


def wanted(directory: str) -> bool:
    """Metrics are written where node-exporter's collector directory exists."""
    return bool(directory) and os.path.isdir(directory)


def write(directory: str, project: str, families: list[Family]) -> Path | None:
    """Write when the collector's directory exists (node-exporter installed);
    None when there is nowhere to write. OSError when writing fails.

    Root writes here, but prometheus owns /var/lib/prometheus: the directory
    is opened without following a link anywhere on the way, and must be
    root's or its parent's owner's (who could replace it anyway)."""
    if not wanted(directory):
        return None
    target = path(directory, project)
    fd, parent = safefs.open_dir(directory)
    try:
        owner = os.fstat(fd).st_uid
        if owner not in (0, parent.st_uid):
            raise PermissionError(
                1,
                f"owned by {safefs.owner_name(owner)}, not root or its parent's owner "
                f"({safefs.owner_name(parent.st_uid)}): not written; chown root {directory}",
                directory,
            )
        text = render(families).encode("utf-8")  # rewritten every round: no fsync
        safefs.write_atomic_at(fd, target.name, text, mode=0o644, durable=False)
    finally:
        os.close(fd)
    return target
