"""Thin adapters to the outside that are not systemd: the project's python,
file access that is safe for root, inotify."""
