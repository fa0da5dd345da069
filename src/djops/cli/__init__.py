"""The `djops` command: the parser and its one run (command), the verb
table (verbs: what each verb runs, its --help, its arguments) and one
function per verb (actions). `djops.cli:main` is the installed entry point."""

from djops.cli.command import main

__all__ = ["main"]
