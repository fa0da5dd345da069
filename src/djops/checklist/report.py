"""`djops check P`: the reference chapters' deployment checklist, as items
that say ok, warn or fail, and for each what to do. Settings are read by the
project's own python as the project user (djops.inproject.facts); what only
the server can see (files, mail, units) is read here. No settings value is
ever printed.
"""

import json
from dataclasses import asdict

from djops.bridge import project_python
from djops.checklist import channels, mail, schedules, server, sessions, socket
from djops.checklist.item import FAIL, OK, WARN, Item, item
from djops.config import Config
from djops.errors import ReportFailed
from djops.text import plural

FACTS_TIMEOUT = 120.0

__all__ = ["FAIL", "OK", "WARN", "Item", "render", "run", "settings_items"]


def settings_items(cfg: Config, facts: dict) -> list[Item]:
    """The settings' items, in the order the reference's checklist gives them."""
    return [
        *_secrecy_items(cfg, facts),
        *_mail_items(facts),
        *_directory_items(cfg, facts),
        *_deploy_check_items(facts),
    ]


def _setting(ok: bool, good: str, bad: str, level: str = FAIL) -> Item:
    return item("settings", ok, good, bad, level)


def _secrecy_items(cfg: Config, facts: dict) -> list[Item]:
    """DEBUG, ALLOWED_HOSTS and SECRET_KEY: what exposes the site."""
    s = cfg.project.settings_dir
    key = facts["secret_key"]
    return [
        _setting(not facts["debug"], "DEBUG is off", f"DEBUG is on: set DEBUG = False in {s}"),
        _setting(
            facts["allowed_hosts"] > 0,
            "ALLOWED_HOSTS is set",
            "ALLOWED_HOSTS is empty: list the site's host names",
        ),
        _setting(
            key["length"] >= 50 and key["distinct"] >= 5,
            "SECRET_KEY is long and random",
            "SECRET_KEY is short or repetitive: generate one with "
            "django.utils.crypto.get_random_string(50)",
        ),
        _setting(
            not key["in_code"],
            "SECRET_KEY is not in the code directory",
            f"SECRET_KEY also appears in {cfg.project.code_dir}/{key['in_code']} (source "
            f"control): keep it only in {s} and make a new one",
        ),
    ]


def _mail_items(facts: dict) -> list[Item]:
    """Who gets error mails, from which address, through which backend."""
    items = [
        _setting(
            facts["admins"] > 0, "ADMINS is set", "ADMINS is empty: nobody gets error mails", WARN
        ),
        _setting(
            facts["managers"] > 0,
            "MANAGERS is set",
            "MANAGERS is empty: set MANAGERS = ADMINS",
            WARN,
        ),
    ]
    for name, fact in (
        ("SERVER_EMAIL", "server_email_localhost"),
        ("DEFAULT_FROM_EMAIL", "default_from_localhost"),
    ):
        items.append(
            _setting(
                not facts[fact],
                f"{name} is not at localhost",
                f"{name} is at localhost: use an address of your domain",
            )
        )
    for b in facts["mail_backends"]:
        items.append(
            _setting(
                b["sendmail"] and not b["console"],
                f"{b['name']} delivers through sendmail (dma)",
                f"{b['name']} does not deliver through sendmail: dma listens on no port, "
                "use a sendmail backend",
                WARN,
            )
        )
    return items


def _directory_items(cfg: Config, facts: dict) -> list[Item]:
    """Where logs, caches and static files go exists for the project user."""
    user = cfg.project.user
    items = []
    for h in facts["log_dirs"]:
        items.append(
            _setting(
                h["exists"] and h["writable"],
                f"LOGGING handler {h['handler']!r}: {h['dir']} writable by {user}",
                f"LOGGING handler {h['handler']!r}: {h['dir']} missing or not writable by "
                f"{user}: mkdir it and chown {user}",
            )
        )
    for c in facts["cache_dirs"]:
        items.append(
            _setting(
                c["exists"] and c["owned"],
                f"CACHES {c['alias']!r}: {c['dir']} owned by {user}",
                f"CACHES {c['alias']!r}: {c['dir']} missing or not owned by {user}: "
                f"mkdir -p it; chown {user} it",
            )
        )
    items.append(
        _setting(
            facts["static_root"],
            "STATIC_ROOT is set",
            "STATIC_ROOT is not set: collectstatic has nowhere to go",
        )
    )
    return items


def _deploy_check_items(facts: dict) -> list[Item]:
    """Django's own `check --deploy`, its gist only (see Django's docs)."""
    items = []
    for m in facts["deploy_check"]:
        level = FAIL if m["level"] in ("ERROR", "CRITICAL") else WARN
        first = m["msg"].splitlines()[0].split(". ")[0].rstrip(".")
        items.append(Item("check --deploy", level, f"{m['id']}: {first}"))
    return items


def run(cfg: Config) -> list[Item]:
    res = project_python.run(cfg, "facts", cfg.project.code_dir, timeout=FACTS_TIMEOUT)
    if res.ok:
        items = settings_items(cfg, res.data) + sessions.items(res.data.get("sessions"))
    else:
        items = [Item("settings", FAIL, f"the settings do not load: {res.data.get('error')}")]
    domains = res.data.get("recipient_domains", [])
    return (
        items
        + server.items(cfg)
        + socket.items(cfg)
        + mail.items(cfg, domains)
        + channels.items(cfg)
        + schedules.items(cfg)
    )


def render(cfg: Config, items: list[Item], as_json: bool) -> str:
    """The answer; raises OperationError (exit 1) when any item failed."""
    failed = sum(i.level == FAIL for i in items)
    if as_json:
        text = json.dumps({"project": cfg.name, "items": [asdict(i) for i in items]}, indent=2)
    else:
        mark = {OK: "  ok ", WARN: " WARN", FAIL: " FAIL"}
        # an item's further lines (config to add) start under its first line's text
        lines = [f"{mark[i.level]}  {i.section:<14} {_indented(i.text)}" for i in items]
        warned = sum(i.level == WARN for i in items)
        lines.append(
            f"\n{cfg.name}: {failed} failed, {plural(warned, 'warning')}, {len(items) - failed - warned} ok"
        )
        text = "\n".join(lines)
    if failed:
        raise ReportFailed(text, f"{plural(failed, 'checklist item')} of {cfg.name} failed")
    return text


def _indented(text: str) -> str:
    return text.replace("\n", "\n" + " " * 22)
