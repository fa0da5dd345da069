"""Put a booted machine into the state the reference chapters describe:
dma delivering to an SMTP sink on the machine's loopback, the demo Django
project behind gunicorn, and the djops .deb installed with apt."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

from machine import REPO, Machine

MAILNAME = "server.test"  # distinct from the recipients' domain (example.org)
SINK_DIR = "/var/mail/sink"

SINK_UNIT = f"""[Unit]
Description=SMTP sink for the djops tests (stands in for the smarthost)

[Service]
ExecStart=/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Mailbox {SINK_DIR}

[Install]
WantedBy=multi-user.target
"""

DMA_CONF = "SMARTHOST 127.0.0.1\nPORT 2525\nMAILNAME /etc/mailname\n"


def setup_mail(m: Machine) -> None:
    m.put("/etc/systemd/system/smtp-sink.service", SINK_UNIT)
    m.put("/etc/dma/dma.conf", DMA_CONF)
    m.put("/etc/mailname", MAILNAME + "\n")
    aliases = m.root / "etc/aliases"
    text = aliases.read_text() if aliases.exists() else ""
    if "root:" not in text:
        m.put("/etc/aliases", text + "root: admin@example.org\n")
    m.sh(
        f"mkdir -p {SINK_DIR}/tmp {SINK_DIR}/new {SINK_DIR}/cur && systemctl daemon-reload && systemctl enable --now smtp-sink"
    )
    m.sh("for i in $(seq 50); do ss -ltn | grep -q ':2525 ' && exit 0; sleep 0.1; done; exit 1")


def deploy(
    m: Machine, project: str, user: str | None = None, port: int = 8000, venv: str | None = None
) -> None:
    m.copy_in(REPO / "examples/demo", "/root/demo-src")
    args = [project, user or project, str(port)] + ([venv] if venv else [])
    m.sh("sh /root/demo-src/deploy.sh " + " ".join(args), timeout=300)


def install_deb(m: Machine, deb: Path) -> str:
    """Exactly what users type; its output. The machine has no network, so
    every dependency must already be satisfiable from what Debian installed."""
    m.put(f"/root/{deb.name}", deb.read_bytes())
    r = m.sh(
        f"cd /root && DEBIAN_FRONTEND=noninteractive apt install -y -q ./{deb.name}", timeout=300
    )
    return r.stdout + r.stderr


# dpkg's progress, redrawn with \r on a terminal; captured output (universal
# newlines) has each redraw on a line of its own
_PROGRESS = re.compile(r"\(Reading database \.\.\. *(\d+%)?")


def as_on_a_terminal(output: str) -> list[str]:
    """Command output as a person reads it on a terminal: of dpkg's twenty
    "(Reading database ... N%" redraws only the last, which stays standing
    ("... files and directories currently installed."); no blank lines, no
    apt warning about its CLI."""
    shown = []
    for line in output.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.rstrip()
        if line and not _PROGRESS.fullmatch(line) and "apt does not have a stable CLI" not in line:
            shown.append(line)
    return shown


def mails(m: Machine) -> list[EmailMessage]:
    """Every message the SMTP sink received, oldest first."""
    out = []
    new = m.root / SINK_DIR.lstrip("/") / "new"
    if not new.exists():
        return out
    for f in sorted(new.iterdir(), key=lambda p: p.stat().st_mtime):
        out.append(email.message_from_bytes(f.read_bytes(), policy=email.policy.default))
    return out
