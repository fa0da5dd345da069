"""Run the unit suite on each Debian's own python, inside its cached rootfs.

The unit suite runs on the host's python in `make unit`; production runs on
Debian 12's python 3.11 and Debian 13's 3.13. This runs the same suite in a
container of each (not booted: unit tests need no systemd), on a rootfs that
is as a server's would be: `prometheus-node-exporter` installed (its
textfile directory exists) and garbage under `/var/lib/djops`, so a test
that reads or writes the host instead of its tmp_path shows up here.

The rootfs is unpacked once per recipe (next to its tarball) and booted with
`--volatile=overlay`: writes go to a tmpfs and vanish, the tree stays clean.

    python3 tests/e2e/unitsuite.py [SUITE ...]    # default: every suite
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from machine import REPO, SUITES, log, rootfs

# what a server that ran djops for a while might hold, none of it the tests'
GARBAGE = (
    "mkdir -p /var/lib/djops/outbox /var/lib/djops/paused /var/lib/djops/pings "
    "/var/lib/djops/due/mail /run/djops && "
    "printf 'not json' > /var/lib/djops/secrets-p.json && "
    "printf 'not json' > /var/lib/djops/secrets-t.json && "
    "printf 'garbage' > /var/lib/djops/outbox/garbage.eml && "
    "printf '{' > /var/lib/djops/paused/p.json && "
    "printf '{' > /run/djops/planned-t.json && "
    "test -d /var/lib/prometheus/node-exporter"
)
TESTS = (
    "cd /tmp && PYTHONDONTWRITEBYTECODE=1 DJOPS_TEST_VENV=/opt/demo/venv "
    "python3 -m pytest -q -p no:cacheprovider --color=no -c /djops/pyproject.toml --rootdir /djops "
    "/djops/tests/unit"
)


def unpacked(suite: str) -> Path:
    """The rootfs of `suite` as a directory, unpacked once per recipe."""
    tar = rootfs(suite)
    tree = tar.with_suffix(".d")
    if not tree.exists():
        tmp = tar.with_suffix(".d.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        subprocess.run(["tar", "-xf", str(tar), "-C", str(tmp)], check=True)
        tmp.rename(tree)
    return tree


def run(suite: str) -> subprocess.CompletedProcess[str]:
    tree = unpacked(suite)
    log(f"unit suite on {suite}'s python {SUITES[suite]}")
    started = time.monotonic()
    r = subprocess.run(
        [
            "systemd-nspawn",
            "--quiet",
            "--volatile=overlay",
            "--register=no",
            "--keep-unit",
            "--private-network",
            "-D",
            str(tree),
            f"--bind-ro={REPO}:/djops",
            "-E",
            "LANG=C.UTF-8",
            "/bin/sh",
            "-c",
            f"{GARBAGE} && {TESTS}",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log(f"{suite}: exit {r.returncode} in {time.monotonic() - started:.0f} s")
    return r


def main(argv: list[str]) -> int:
    """Each suite in a container of its own, side by side (each pytest is one
    process: two cores run two at once); each one's output shown whole."""
    suites = argv or list(SUITES)
    for suite in suites:  # built one after the other: each is its own debootstrap
        unpacked(suite)
    with ThreadPoolExecutor(len(suites)) as pool:
        done = dict(zip(suites, pool.map(run, suites), strict=True))
    for suite, r in done.items():
        print(f"=== unit suite on {suite}'s python {SUITES[suite]}\n{r.stdout}", flush=True)
    failed = [s for s, r in done.items() if r.returncode != 0]
    if failed:
        print(f"unit suite failed on: {' '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
