"""Per-project configuration: schema (data), value checks, and the loader."""

from djops.config.load import Config, check_name, config_path, defaults, load, stamp
from djops.config.run_load import load_for_run

__all__ = ["Config", "check_name", "config_path", "defaults", "load", "load_for_run", "stamp"]
