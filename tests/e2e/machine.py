"""Boot a real Debian with systemd in systemd-nspawn, for the end-to-end suite
and `make demo`.

Root filesystems are built once with mmdebstrap and cached as tarballs keyed
on their recipe (suite, packages, wheels, this file); each boot unpacks a
fresh copy. Containers get a private network: their loopback is their own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("DJOPS_E2E_CACHE", "/var/cache/djops-e2e"))
WORK = Path(os.environ.get("DJOPS_E2E_WORK", "/var/tmp/djops-e2e"))
MIRROR = os.environ.get("DJOPS_E2E_MIRROR", "http://deb.debian.org/debian")

SUITES = {"trixie": "3.13", "bookworm": "3.11"}  # suite -> its python3
PACKAGES = [
    "systemd",
    "systemd-sysv",
    "dbus",
    "python3",
    "python3-venv",
    "python3-systemd",
    "python3-watchdog",
    "python3-sdnotify",
    "dma",
    "python3-aiosmtpd",
    "sqlite3",
    "curl",
    "procps",
    "iproute2",
    "cron",
    "less",
    # real servers for the database and fleet tests; disabled at boot (HOOKS)
    "postgresql",
    "mariadb-server",
    "prometheus-node-exporter",
    # the Prometheus mixin is proven on a real server; Apprise delivers channels
    "prometheus",
    "apprise",
    # `make unit` runs the unit suite on each suite's own python, in a container
    "python3-pytest",
    "python3-hypothesis",
    "python3-croniter",
    # what users would run otherwise, measured beside djops by `make bench-scale`
    "monit",
    # systemd's D-Bus API, read in bulk by the host daemons
    "python3-dbus",
]
WHEELS = ["django>=5.2,<5.3", "gunicorn", "psycopg[binary]", "PyMySQL"]
# downloaded on their own (no deps): gunicorn 20.1.0, the oldest Debian ships, and
# setuptools for its pkg_resources, for a second venv that proves LISTEN_FDS there
EXTRA_WHEELS = ["gunicorn==20.1.0", "setuptools"]
SERVERS = "postgresql mariadb prometheus-node-exporter prometheus monit"
INNER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


# mmdebstrap hooks run in the new root ($1); {wheels} is the host's wheel dir
HOOKS = [
    'mkdir -p "$1/opt/wheels" && cp {wheels}/*.whl "$1/opt/wheels/"',
    'chroot "$1" python3 -m venv /opt/demo/venv',
    'chroot "$1" /opt/demo/venv/bin/pip install -q --no-index --find-links /opt/wheels django gunicorn psycopg[binary] PyMySQL',
    # gunicorn 20.1 (the oldest Debian ships) in a venv of its own, for test_35:
    # building it in the test cost 71-91 s per suite
    'chroot "$1" python3 -m venv /opt/old/venv',
    'chroot "$1" /opt/old/venv/bin/pip install -q --no-index --find-links /opt/wheels django gunicorn==20.1.0 setuptools',
    # started by the tests that need them, not by every boot
    f'chroot "$1" systemctl disable -q {SERVERS}',
    # an empty machine-id makes systemd generate one at each boot
    ': > "$1/etc/machine-id"',
]


def recipe_key(suite: str) -> str:
    """Everything the cached rootfs depends on, and nothing else."""
    recipe = {
        "suite": suite,
        "packages": PACKAGES,
        "wheels": WHEELS,
        "extra_wheels": EXTRA_WHEELS,
        "mirror": MIRROR,
        "hooks": HOOKS,
        "python": SUITES[suite],
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def log(msg: str) -> None:
    print(f"[e2e] {msg}", file=sys.stderr, flush=True)


def _wheels(suite: str) -> Path:
    dest = CACHE / f"wheels-{suite}-{recipe_key(suite)}"
    if not dest.exists():
        tmp = dest.with_suffix(".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        base = [sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:"]
        base += ["--python-version", SUITES[suite], "-d", str(tmp)]
        subprocess.run([*base, *WHEELS], check=True)
        subprocess.run([*base, "--no-deps", *EXTRA_WHEELS], check=True)
        tmp.rename(dest)
    return dest


def rootfs(suite: str) -> Path:
    """The cached rootfs tarball for `suite`, built if its recipe changed."""
    CACHE.mkdir(parents=True, exist_ok=True)
    tar = CACHE / f"{suite}-{recipe_key(suite)}.tar"
    if tar.exists():
        return tar
    wheels = _wheels(suite)
    log(f"building {suite} rootfs (cached as {tar.name})")
    tmp = tar.with_suffix(".tmp.tar")
    hooks = ["--customize-hook=" + h.replace("{wheels}", str(wheels)) for h in HOOKS]
    subprocess.run(
        [
            "mmdebstrap",
            "--quiet",
            "--variant=apt",
            "--include=" + ",".join(PACKAGES),
            *hooks,
            suite,
            str(tmp),
            MIRROR,
        ],
        check=True,
    )
    tmp.rename(tar)
    # keep the cache from growing forever, but leave a day's recipes alone:
    # another checkout on this host may be booting from one of them right now
    # (tests/e2e/unitsuite.py unpacks a tarball once, as SUITE-KEY.d)
    olds = [
        *CACHE.glob(f"{suite}-*.tar"),
        *CACHE.glob(f"{suite}-*.d"),
        *CACHE.glob(f"wheels-{suite}-*"),
    ]
    for old in olds:
        if (
            old not in (tar, wheels, tar.with_suffix(".d"))
            and time.time() - old.stat().st_mtime > 86400
        ):
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    return tar


def _cgroup(name: str) -> Path | None:
    """This machine's own cgroup (v2) under ours.

    With --keep-unit and --register=no, nspawn leaves the container in the
    caller's cgroup, and the container's systemd takes that cgroup as its
    root. Two machines booted from one shell would then share one tree: both
    systemds would manage the same system.slice/demo.service, see each
    other's processes in it, and kill them. Each machine gets its own.
    """
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        if line.startswith("0::"):
            ours = line[3:].lstrip("/")
            break
    else:
        return None
    for base in (Path("/sys/fs/cgroup/unified"), Path("/sys/fs/cgroup")):
        if (base / "cgroup.procs").exists() and (base / "cgroup.controllers").exists():
            return base / ours / f"djops-e2e-{name}"
    return None


def own_cgroup(name: str):
    """A preexec_fn that moves nspawn into this machine's own cgroup."""
    d = _cgroup(name)
    if d is None:
        return None
    d.mkdir(exist_ok=True)
    procs = d / "cgroup.procs"
    return lambda: procs.write_text("0")


def remove_cgroup(name: str) -> None:
    d = _cgroup(name)
    if d is None or not d.exists():
        return
    for sub in sorted(d.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if sub.is_dir():
            with contextlib.suppress(OSError):
                sub.rmdir()
    with contextlib.suppress(OSError):
        d.rmdir()


class Machine:
    """One booted container; `sh()` runs a command inside it as root."""

    def __init__(self, suite: str, name: str, zone: str = "", address: str = ""):
        """`zone`: boot on the private bridge vz-<zone> shared with the other
        machines of that zone (systemd-nspawn --network-zone=), at `address`
        (a /24); otherwise on a private network of its own (loopback only)."""
        self.suite, self.name = suite, name
        self.zone, self.address = zone, address
        self.dir = WORK / name
        self.root = self.dir / "root"
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid = 0

    def boot(self) -> Machine:
        tar = rootfs(self.suite)
        self.destroy()
        self.root.mkdir(parents=True)
        os.chmod(self.dir, 0o755)
        os.chmod(self.root, 0o755)
        subprocess.run(["tar", "-xf", str(tar), "-C", str(self.root)], check=True)
        (self.root / "etc/hostname").write_text(f"{self.name}\n")
        env = dict(os.environ, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY="1")
        console = open(self.dir / "console.log", "wb")  # noqa: SIM115 - nspawn owns it
        enter = own_cgroup(self.name)
        self.proc = subprocess.Popen(
            [
                "systemd-nspawn",
                "--quiet",
                "-b",
                "-D",
                str(self.root),
                "--register=no",
                "--keep-unit",
                f"--network-zone={self.zone}" if self.zone else "--private-network",
                "-M",
                self.name,
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            preexec_fn=enter,
        )
        try:
            self._wait_for_boot()
            if self.zone:
                self._join_zone()
        except BaseException:
            self.destroy()
            raise
        return self

    def _join_zone(self) -> None:
        subprocess.run(["ip", "link", "set", f"vz-{self.zone}", "up"], check=True)
        self.sh(f"ip link set host0 up && ip addr add {self.address}/24 dev host0")

    def _init_pid(self) -> int:
        """The container's systemd, once nspawn has exec'd it in its namespaces."""
        assert self.proc is not None
        kids = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True
        ).stdout.split()
        for kid in kids:
            try:
                exe = os.readlink(f"/proc/{kid}/exe")
                if exe.endswith("/systemd") and os.readlink(f"/proc/{kid}/ns/mnt") != os.readlink(
                    "/proc/self/ns/mnt"
                ):
                    return int(kid)
            except OSError:
                continue
        return 0

    def _wait_for_boot(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + 90
        while not self.pid:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start; see {self.dir}/console.log")
            self.pid = self._init_pid()
            time.sleep(0.2)
        state = ""
        while time.monotonic() < deadline:
            r = self.sh("systemctl is-system-running --wait", check=False, timeout=90)
            state = r.stdout.strip()
            if state in ("running", "degraded"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} did not boot: {state!r}; see {self.dir}/console.log")

    def sh(
        self,
        cmd: str,
        check: bool = True,
        timeout: float = 300,
        input: str | None = None,
        user: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run `cmd` with /bin/sh inside the container (as `user` via runuser)."""
        inner = ["/bin/sh", "-c", cmd]
        if user:
            inner = ["runuser", "-u", user, "--", *inner]
        argv = [
            "nsenter",
            "-t",
            str(self.pid),
            "-a",
            "env",
            "-i",
            f"PATH={INNER_PATH}",
            "LANG=C.UTF-8",
            "HOME=/root",
            "TERM=dumb",
            "SYSTEMD_PAGER=",
            *inner,
        ]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input)
        if check and r.returncode != 0:
            raise AssertionError(
                f"in {self.name}: {cmd!r} exited {r.returncode}\n"
                f"stdout: {r.stdout[-3000:]}\nstderr: {r.stderr[-3000:]}"
            )
        return r

    def put(self, path: str, data: str | bytes, mode: int = 0o644) -> None:
        """Write a file inside the container (its root is a host directory)."""
        target = self.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)
        target.chmod(mode)

    def copy_in(self, src: Path, dest: str) -> None:
        target = self.root / dest.lstrip("/")
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(src, target)

    def journal(self, *args: str) -> list[dict[str, str]]:
        out = self.sh("journalctl --no-pager -o json " + " ".join(args), check=False).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    @classmethod
    def attach(cls, suite: str, name: str) -> Machine:
        """A machine booted by another process (make demo), found by its name."""
        m = cls(suite, name)
        out = subprocess.run(
            ["pgrep", "-f", f"systemd-nspawn .* -M {name}$"], capture_output=True, text=True
        ).stdout.split()
        if not out:
            raise RuntimeError(f"{name} is not running")
        m.nspawn_pid = int(out[0])
        kids = subprocess.run(["pgrep", "-P", out[0]], capture_output=True, text=True).stdout
        m.pid = int(kids.split()[0])
        return m

    nspawn_pid = 0

    def shutdown(self) -> None:
        if self.nspawn_pid and not self.proc:
            self.sh("systemctl poweroff", check=False, timeout=30)
            for _ in range(150):
                if not Path(f"/proc/{self.nspawn_pid}").exists():
                    break
                time.sleep(0.2)
            else:
                os.kill(self.nspawn_pid, 9)
        if self.proc and self.proc.poll() is None:
            self.sh("systemctl poweroff", check=False, timeout=30)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc, self.pid = None, 0

    def destroy(self) -> None:
        self.shutdown()
        if self.dir.exists():
            shutil.rmtree(self.dir)
        remove_cgroup(self.name)
