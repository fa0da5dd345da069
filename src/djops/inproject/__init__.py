"""Code that runs inside the project's own venv python (stdlib + Django only).

It must never import djops: the project's interpreter cannot see it. Entry:
`<venv>/bin/python .../djops/inproject/__main__.py COMMAND ...`.
"""
