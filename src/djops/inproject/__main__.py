"""Bootstrap when run by path from the project's venv python.

Run as a file, Python puts this directory first on sys.path, where our module
names could shadow the project's (a Django app named `main`, say). Drop it and
load this directory as the private package `djops_inproject` instead.
"""

import importlib.util
import os
import sys

if not __package__:
    _here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == _here:
        del sys.path[0]
    _spec = importlib.util.spec_from_file_location(
        "djops_inproject", os.path.join(_here, "__init__.py"), submodule_search_locations=[_here]
    )
    _pkg = importlib.util.module_from_spec(_spec)
    sys.modules["djops_inproject"] = _pkg
    _spec.loader.exec_module(_pkg)
    from djops_inproject.main import main
else:
    from .main import main

sys.exit(main(sys.argv[1:]))
