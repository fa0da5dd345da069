"""djops: systemd units and a small CLI that run a Debian-deployed Django project."""

__version__ = "0.2.0"
