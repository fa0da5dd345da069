"""Checklist items about mail, the reference's dma setup: sendmail exists,
/etc/mailname differs from the recipients' domain, root is aliased, dma's
port and TLS agree, auth.conf is private, the queue moves, and no mail
waits given up (outbox/given-up/ has no bound of its own: djops never
deletes mail, so the checklist says while any is there)."""

import os
import stat
from pathlib import Path

from djops import paths
from djops.channels import dropped
from djops.channels import mail as mailchannel
from djops.checklist.item import FAIL, WARN, Item, item
from djops.config import Config
from djops.text import plural


def items(cfg: Config, recipient_domains: list[str]) -> list[Item]:
    out: list[Item] = []

    def add(ok: bool, good: str, bad: str, level: str = FAIL) -> None:
        out.append(item("mail", ok, good, bad, level))

    sm = cfg.health.sendmail
    add(os.access(sm, os.X_OK), f"{sm} exists", f"{sm} is missing: apt install dma")
    mailname = _read(paths.mailname()).strip()
    addresses = [*cfg.health.mail_to, *_root_targets()]
    domains = {a.rsplit("@", 1)[1].lower() for a in addresses if "@" in a}
    domains |= {d.lower() for d in recipient_domains}
    add(
        bool(mailname),
        "/etc/mailname is set",
        "/etc/mailname is empty: put the server's name in it",
    )
    if mailname:
        add(
            mailname.lower() not in domains,
            "/etc/mailname differs from the recipients' domain",
            f"/etc/mailname is a recipients' domain: dma delivers such mail locally and it "
            f"vanishes; use the server's own name (e.g. server.{mailname})",
        )
    add(
        bool(_root_targets()),
        "root is aliased in /etc/aliases",
        "root has no alias in /etc/aliases: add `root: you@example.com`",
    )
    out += _dma_items()
    ok, detail = mailchannel.health()
    add(ok, f"mail queue: {detail}", f"mail queue: {detail}")
    out += _given_up()
    return out


def _given_up() -> list[Item]:
    """A warning while the outbox keeps mail it gave up on; nothing when none."""
    if not (kept := mailchannel.given_up()):
        return []
    where = paths.outbox_given_up()
    text = (
        f"{plural(len(kept), 'mail')} given up (undelivered for a day, or beyond the "
        f"outbox's bound), kept in {where}: look with `ls -l {where}`; "
        f"once mail works, re-queue with `{dropped.requeue(where)}`"
    )
    return [item("mail", False, "", text, WARN)]


def _dma_items() -> list[Item]:
    """dma's own settings: its port agrees with its TLS, auth.conf is private."""
    out: list[Item] = []
    if paths.dma_conf().exists():
        conf = _dma_conf()
        port, starttls = conf.get("PORT", "25"), "STARTTLS" in conf
        secure = "SECURETRANSFER" in conf
        consistent = (
            (port == "587" and starttls and secure)
            or (port == "465" and secure and not starttls)
            or (port not in ("587", "465") and not secure)
        )
        out.append(
            item(
                "mail",
                consistent,
                f"dma: PORT {port} agrees with its TLS settings",
                f"dma: PORT {port} with{'' if starttls else 'out'} STARTTLS: use 587 with "
                "SECURETRANSFER and STARTTLS, or 465 with SECURETRANSFER and no STARTTLS",
            )
        )
    if paths.dma_auth().exists():
        mode = paths.dma_auth().stat().st_mode
        out.append(
            item(
                "mail",
                not mode & stat.S_IROTH,
                "/etc/dma/auth.conf is not world-readable",
                "/etc/dma/auth.conf is world-readable: chmod 0640 /etc/dma/auth.conf",
            )
        )
    return out


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _root_targets() -> list[str]:
    for line in _read(paths.aliases()).splitlines():
        name, _, targets = line.partition(":")
        if name.strip() == "root" and not line.lstrip().startswith("#"):
            return [t.strip() for t in targets.split(",") if t.strip()]
    return []


def _dma_conf() -> dict[str, str]:
    conf = {}
    for line in _read(paths.dma_conf()).splitlines():
        parts = line.split(None, 1)
        if parts and not parts[0].startswith("#"):
            conf[parts[0]] = parts[1].strip() if len(parts) > 1 else ""
    return conf
