"""TOML as djops writes it: the example config, and the [jobs.NAME] tables
`djops migrate-cron --apply` appends to P.toml (appended, so the file's own
comments and keys stay as they are)."""

import json
from typing import Any


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return repr(value)


def table(name: str, keys: dict[str, Any], comment: str = "") -> str:
    head = f"# {comment}\n" if comment else ""
    return head + f"[{name}]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in keys.items())
