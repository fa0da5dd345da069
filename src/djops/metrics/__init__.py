"""Reports where operators already look: Prometheus' textfile collector."""
