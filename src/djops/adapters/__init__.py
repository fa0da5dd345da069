"""Thin adapters to the outside: the journal, systemctl, the project's python."""
