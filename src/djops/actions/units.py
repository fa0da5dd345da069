"""Which units make up a project, and the drop-ins they need from its config."""

from djops.config import Config


def timers(p: str) -> list[str]:
    return [f"djops-clearsessions@{p}.timer"]


def services(p: str) -> list[str]:
    return [f"djops-clearsessions@{p}.service"]


def target(p: str) -> str:
    return f"djops@{p}.target"


def dropins(cfg: Config) -> dict[str, str]:
    """{unit: drop-in body} for every unit of the project."""
    p, user = cfg.name, cfg.project.user
    return {
        f"djops-clearsessions@{p}.service": f"[Service]\nUser={user}\n",
        f"djops-clearsessions@{p}.timer": (
            f"[Timer]\nOnCalendar=\nOnCalendar={cfg.clearsessions.schedule}\n"
        ),
    }


def all_dropin_units(p: str) -> list[str]:
    """Every unit djops may have written a drop-in for (for disable)."""
    return services(p) + timers(p)
