"""Whether root watches at a terminal, and how a followed run's lines reach
it: long work shows itself as it goes there, and stays quiet and plain when
the output is a pipe, a file or a cron mail."""

import sys
from collections.abc import Callable
from typing import Any


def attached(stream: Any = None) -> bool:
    """Standard output (or `stream`) is a terminal."""
    try:
        return bool((stream or sys.stdout).isatty())
    except (AttributeError, ValueError):  # closed or replaced by something plain
        return False


def printer(redactor: Any = None, stream: Any = None) -> Callable[[str], None]:
    """print(line) at once, masked by `redactor` when there is one."""

    def show(line: str) -> None:
        out = stream or sys.stdout
        out.write(f"{redactor.redact(line) if redactor is not None else line}\n")
        out.flush()

    return show
