"""MESSAGE_IDs from the source tree's event table, to compare with the machine."""

import sys

from machine import REPO

sys.path.insert(0, str(REPO / "src"))
from djops.events import EVENTS

ALL_MESSAGE_IDS = [ev.message_id for ev in EVENTS.values()]
MESSAGE_ID = {name: ev.message_id for name, ev in EVENTS.items()}
