"""Settings changes: the watcher, what it compares, and the validated reload."""

STEPS = ("compile", "validate", "apply")  # of djops-reload@P.service, in order
