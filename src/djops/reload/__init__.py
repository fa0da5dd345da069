"""Settings changes: the watcher, what it compares, and the validated reload."""
