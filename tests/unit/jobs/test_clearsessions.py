"""`djops clearsessions P`, inside its unit: the result line counts right."""

import pytest

from djops import config
from djops.bridge.project_python import Result
from djops.jobs import clearsessions


@pytest.fixture
def ran(project, monkeypatch, sent):
    """run_here() with the project's python answering `data`."""

    def run(data: dict) -> str:
        monkeypatch.setattr(clearsessions.project_python, "run", lambda *a, **k: Result(0, data))
        return clearsessions.run_here(config.load(project, live=False))

    return run


def test_one_session_in_one_batch_is_singular(ran):
    text = ran({"rows": 1, "batches": 1, "engine": "db", "database": "pg", "longest": 0.01})
    assert text.startswith("removed 1 expired session of p in ")
    assert "(1 batch on pg, longest 0.01 s)" in text


def test_many_are_plural(ran):
    text = ran({"rows": 3000, "batches": 3, "engine": "db", "database": "pg", "longest": 0.2})
    assert text.startswith("removed 3000 expired sessions of p in ")
    assert "(3 batches on pg, longest 0.2 s)" in text
