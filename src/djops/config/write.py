"""TOML as djops writes it: the example config, and the [jobs.NAME] tables
`djops migrate-cron --apply` appends to P.toml (appended, so the file's own
comments and keys stay as they are)."""

import json
import re
from typing import Any

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):  # an inline table; keys are bare (NAME-like) or quoted
        items = (
            f"{k if _BARE.fullmatch(k) else toml_value(k)} = {toml_value(v)}"
            for k, v in value.items()
        )
        return "{" + ", ".join(items) + "}"
    return repr(value)


def table(name: str, keys: dict[str, Any], comment: str = "") -> str:
    head = f"# {comment}\n" if comment else ""
    return head + f"[{name}]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in keys.items())
