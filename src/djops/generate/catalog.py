"""Render the journal catalog from the event table (run at package build).

`python3 -m djops.generate.catalog > djops.catalog`; journalctl --update-catalog (a
systemd dpkg trigger) picks it up from /usr/lib/systemd/catalog.
"""

import sys

from djops.events import EVENTS


def render() -> str:
    out = ["# djops journal catalog, generated from djops/events.py; see journalctl(1) -x.\n"]
    for name, ev in EVENTS.items():
        out.append(
            f"\n-- {ev.message_id}\nSubject: {ev.subject}\nDefined-By: djops\n"
            f"Support: man:djops(8)\nDocumentation: man:djops(8)\n\n"
            f"Event {name}.\n{ev.body}\n"
        )
    return "".join(out)


if __name__ == "__main__":
    sys.stdout.write(render())
