"""Scheduled work run as the project user: clearsessions (the generic jobs next)."""
