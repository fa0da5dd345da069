"""The host's side of the bridge into the project's python: running
djops.inproject's worker with the project's venv interpreter, user and
environment (project_python), and the secret values it reports loaded,
kept so that every relay of output masks them (secrets).

Named apart from its neighbours on purpose: djops.inproject is the other
side, the code that runs in there; djops.project is one project's
enable, disable and status."""
