"""One error hierarchy: every expected failure prints as one line, no traceback.

The CLI catches `DjopsError`, prints `djops: <message>` on stderr and exits
with the error's `exit_code`. Anything else is a bug and keeps its traceback.
"""


class DjopsError(Exception):
    """An expected failure the user can act on."""

    exit_code = 1


class UsageError(DjopsError):
    """Bad command line: the user typed something djops cannot do."""

    exit_code = 2


class ConfigError(DjopsError):
    """Bad configuration: names the file, the key and what was expected."""

    exit_code = 2

    def __init__(self, path: str, key: str, expected: str, got: str | None = None):
        self.path, self.key, self.expected, self.got = path, key, expected, got
        text = f"{path}: {key}: expected {expected}" if key else f"{path}: expected {expected}"
        if got is not None:
            text += f", got {got}"
        super().__init__(text)


class OperationError(DjopsError):
    """An operation ran and failed (a check, a reload, a clearsessions run)."""

    exit_code = 1


class JobFailed(OperationError):
    """A job's command failed: its unit exits with the command's own status
    (what cron's mail, a healthchecks /<exit code> ping and `systemctl
    status` then show), 1 when that is not a status a process can exit with."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.exit_code = status if 0 < status < 256 else 1


class ReportFailed(OperationError):
    """A report (djops check) that found failures: the report goes to stdout,
    the one-line summary to stderr, and the exit code is 1."""

    def __init__(self, report: str, summary: str):
        self.report = report
        super().__init__(summary)
