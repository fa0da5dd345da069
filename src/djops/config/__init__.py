"""Per-project configuration: the schema (data: every key with its
description), value checks, the loader, the checked form a job run reads
(cache, run_load), the restart modes and the names the config reserves."""

from djops.config.load import Config, check_name, config_path, defaults, load, stamp
from djops.config.run_load import load_for_run

__all__ = ["Config", "check_name", "config_path", "defaults", "load", "load_for_run", "stamp"]
