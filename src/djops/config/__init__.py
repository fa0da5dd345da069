"""Per-project configuration: schema (data), value checks, and the loader."""

from djops.config.load import Config, check_name, config_path, defaults, load, stamp

__all__ = ["Config", "check_name", "config_path", "defaults", "load", "stamp"]
