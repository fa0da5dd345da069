"""Scheduled work run as the project user: clearsessions and the [jobs.NAME] jobs,
once per fleet where asked (once, claim)."""
