"""Run djops.inproject code with the project's venv python.

Django is never imported into djops itself: the worker runs in the project's
own interpreter with the reference layout's environment and hands back one
JSON object on a private pipe (stdout stays free for the project's prints).
"""

import json
import os
import pwd
import signal
import subprocess
from dataclasses import dataclass
from typing import Any

from djops import paths
from djops.config import Config


@dataclass
class Result:
    status: int
    data: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == 0 and not self.data.get("error")


def environment(cfg: Config) -> dict[str, str]:
    """The environment of the reference's cron job and restart script."""
    p = cfg.project
    return {
        "PATH": f"{p.venv}/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "PYTHONPATH": f"{p.settings_dir}:{p.code_dir}",
        "DJANGO_SETTINGS_MODULE": p.settings_module,
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def run(
    cfg: Config, command: str, *args: str, timeout: float | None = None, as_user: bool = False
) -> Result:
    """Run `inproject <command> <args>` and return its exit status and report.

    `as_user`: when root, run as the project user (its groups too), so what is
    readable, writable and importable is what gunicorn sees.
    """
    read_fd, write_fd = os.pipe()
    argv = [
        f"{cfg.project.venv}/bin/python",
        str(paths.inproject_entry()),
        command,
        "--settings-dir",
        cfg.project.settings_dir,
        "--result-fd",
        str(write_fd),
        *args,
    ]
    proc = subprocess.Popen(
        argv,
        env=environment(cfg),
        cwd=cfg.project.code_dir,
        pass_fds=(write_fd,),
        stdin=subprocess.DEVNULL,
        **(_identity(cfg.project.user) if as_user and os.geteuid() == 0 else {}),
    )
    os.close(write_fd)
    # systemd stops a unit by signalling the whole cgroup; the worker finishes
    # its batch and reports, so the parent must outlive it rather than die first.
    old = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        with os.fdopen(read_fd, "rb") as pipe:
            raw = pipe.read()
        status = proc.wait(timeout=timeout)
    finally:
        signal.signal(signal.SIGTERM, old)
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except ValueError:
        data = {}
    if status != 0 and not data.get("error"):
        data["error"] = f"the project's python exited with status {status} without a report"
    return Result(status, data)


def _identity(user: str) -> dict[str, Any]:
    pw = pwd.getpwnam(user)
    groups = [g for g in os.getgrouplist(user, pw.pw_gid) if g != pw.pw_gid]
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": groups}
