"""Allow `python3 -m djops`, handy in a source checkout."""

import sys

from djops.cli import main

sys.exit(main())
