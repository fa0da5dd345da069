"""The bridge into the project's python: run djops.inproject there as the project
user (project_python), and the loaded-secrets store its answers fill for
root's relays (secrets)."""
