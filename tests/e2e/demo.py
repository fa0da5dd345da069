"""`make demo`: a throwaway Debian 13 with the demo Django site and djops.

python3 tests/e2e/demo.py start | stop
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from helpers import add_sessions
from machine import REPO, Machine
from provision import as_on_a_terminal, deploy, install_deb, setup_mail

NAME, SUITE = "djops-demo", "trixie"


def show(m: Machine, cmd: str) -> None:
    print(f"\n\033[1m# {cmd}\033[0m", flush=True)
    r = m.sh(cmd, check=False)
    print((r.stdout + r.stderr).rstrip(), flush=True)


def start() -> None:
    debs = sorted((REPO / "dist").glob("djops_*_all.deb"))
    print(f"booting a fresh Debian 13 ({NAME}) ...", flush=True)
    m = Machine(SUITE, NAME)
    m.boot()
    setup_mail(m)
    print("deploying the demo Django project as the reference chapters do ...", flush=True)
    deploy(m, "demo")
    show(m, "curl -s http://127.0.0.1:8000/")
    print(f"\n\033[1m# apt install ./{debs[-1].name}\033[0m", flush=True)
    print("\n".join(as_on_a_terminal(install_deb(m, debs[-1]))), flush=True)
    m.put(
        "/etc/djops/demo.toml",
        '[clearsessions]\nschedule = "*-*-* 03:30"\n[watch]\ndebounce_seconds = 1.0\n'
        '[health]\nurl = "http://127.0.0.1:8000/"\n',
    )
    show(m, "systemctl list-units --all --no-legend 'djops*'   # installing started nothing")
    show(m, "cat /etc/djops/demo.toml")
    show(m, "djops enable demo")
    show(m, "systemctl status --no-pager --lines=0 'djops-*'")
    show(m, "systemctl list-timers --no-pager 'djops-*'")

    add_sessions(m, "/var/opt/demo/demo.db", "demo", expired=5000, live=300)
    print("\n(added 5000 expired and 300 live sessions to /var/opt/demo/demo.db)")
    show(m, "djops clearsessions demo")

    print("\n\033[1m== a settings change that breaks the site is rejected ==\033[0m")
    show(m, 'printf "EMAIL_HOST_PASSWORD = \'hunter2\\n" >> /etc/opt/demo/settings.py; sleep 6')
    show(m, "journalctl --no-pager -n 3 DJOPS_PROJECT=demo DJOPS_EVENT=reload.rejected")
    show(m, "curl -s http://127.0.0.1:8000/   # still serving the old settings")
    print("\n\033[1m== the fix is validated and applied ==\033[0m")
    show(
        m,
        "sed -i -e '$d' -e 's/^DEMO_MARKER = .*/DEMO_MARKER = \"edited\"/' "
        "/etc/opt/demo/settings.py; sleep 6",
    )
    show(m, "curl -s http://127.0.0.1:8000/")
    show(m, "systemctl status --no-pager --lines=0 djops-watch | grep Status")

    print("\n\033[1m== mail: a heartbeat through dma to the smarthost ==\033[0m")
    show(m, "djops heartbeat demo; sleep 2")
    show(
        m,
        'python3 -c "import email,email.policy,glob,os; '
        "f=max(glob.glob('/var/mail/sink/new/*'),key=os.path.getmtime); "
        "m=email.message_from_bytes(open(f,'rb').read(),policy=email.policy.default); "
        "print('Subject:',m['Subject']); print(); print(m.get_content())\"",
    )
    handover(m)
    show(m, "djops check demo")
    show(m, "djops status demo")
    print(
        f"\nThe demo machine keeps running.\n"
        f"  a shell inside:  sudo nsenter -t {m.pid} -a /bin/bash -l\n"
        f"  try:             djops status demo; journalctl DJOPS_PROJECT=demo -p warning\n"
        f"  stop it:         make demo-stop\n"
    )


def handover(m: Machine) -> None:
    """A settings change under a request loop (8 clients, a new connection
    each request): systemd holds the socket and a stand-in serves while
    demo.service restarts, so the loop counts no failed request."""
    print("\n\033[1m== no restart refuses a connection: a hand-over under load ==\033[0m")
    m.put("/root/load.py", (Path(__file__).parent / "load.py").read_text())
    config = m.sh("cat /etc/djops/demo.toml").stdout
    m.put(
        "/etc/djops/demo.toml",
        config.replace("[watch]\n", '[watch]\nrestart = "handover"\n')
        + '[socket]\nlisten = ["127.0.0.1:8000"]\n',
    )
    show(m, "cat /etc/djops/demo.toml")
    show(m, "djops enable demo")
    show(m, "systemctl list-sockets --no-pager 'djops-*'")
    since = m.sh("date +%s").stdout.strip()
    m.sh("nohup python3 /root/load.py http://127.0.0.1:8000/ 8 45 > /root/load.json 2>&1 &")
    show(
        m,
        "sleep 3; sed -i 's/^DEMO_MARKER = .*/DEMO_MARKER = \"handed-over\"/' "
        "/etc/opt/demo/settings.py   # while 8 clients keep asking",
    )
    m.sh(
        "for i in $(seq 120); do journalctl -q DJOPS_PROJECT=demo DJOPS_EVENT=reload.applied"
        f" --since=@{since} | grep -q . && exit 0; sleep 1; done",
        check=False,
    )
    show(
        m,
        f"journalctl --no-pager -o cat --since=@{since} DJOPS_PROJECT=demo | grep -e 'settings of demo'",
    )
    show(m, "curl -s http://127.0.0.1:8000/")
    m.sh("for i in $(seq 90); do test -s /root/load.json && exit 0; sleep 1; done", check=False)
    show(
        m,
        "python3 -c \"import json; r=json.load(open('/root/load.json')); "
        "print(r['ok'], 'requests answered,', r['failed'], 'failed; worst', "
        "round(r['worst']*1000), 'ms')\"   # the request loop's count",
    )


def stop() -> None:
    try:
        m = Machine.attach(SUITE, NAME)
    except RuntimeError as e:
        print(e)
        m = Machine(SUITE, NAME)
    m.destroy()
    print(f"{NAME} stopped and removed")


if __name__ == "__main__":
    {"start": start, "stop": stop}[sys.argv[1] if len(sys.argv) > 1 else "start"]()
