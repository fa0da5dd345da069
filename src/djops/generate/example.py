"""Render the example config from the schema (run at package build, and kept
in the repository as examples/P.toml, which a test holds to this output):
every section and key with its default and its one-line description."""

import dataclasses
import sys
from typing import Any

from djops.config.load import default_of, expand
from djops.config.schema import SECTION_DOCS, SECTIONS, Job
from djops.config.write import toml_value

HEADER = """\
# /etc/djops/P.toml: djops settings of Django project P.
# Every key is optional; the values below are the defaults, which follow the
# Debian layout of the reference chapters (code in /opt/P, settings in
# /etc/opt/P, gunicorn as P.service). Apply changes with `djops enable P`.
# Generated from djops/config/schema.py; see djops(8).
"""


def default(f: dataclasses.Field, project: str = "P") -> Any:
    return expand(default_of(f), project)


def render() -> str:
    out = [HEADER]
    for section, cls in SECTIONS.items():
        out.append(f"\n# {SECTION_DOCS[section]}\n[{section}]\n")
        for f in dataclasses.fields(cls):
            out.append(f"# {f.metadata['doc']}\n{f.name} = {toml_value(default(f))}\n")
    # a job has no default to show: an example, commented out
    sample = {"command": ["send_queued_mail", "--limit", "100"], "schedule": "*:0/5"}
    out.append(f"\n# {SECTION_DOCS['jobs.NAME']}\n# [jobs.send_queued_mail]\n")
    for f in dataclasses.fields(Job):
        value = sample.get(f.name, default(f))
        out.append(f"# {f.metadata['doc']}\n# {f.name} = {toml_value(value)}\n")
    return "".join(out)


if __name__ == "__main__":
    sys.stdout.write(render())
