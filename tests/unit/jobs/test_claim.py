"""The once-per-fleet claim, held by a real project python on real SQLite
(PostgreSQL and MariaDB: tests/e2e/test_70_databases.py, in the containers)."""

import sqlite3
import threading
import time

from djops.jobs import claim

DAY = 43200.0  # half a day: the window of a daily job


def rows(db) -> list[tuple]:
    with sqlite3.connect(db) as c:
        return c.execute(
            "SELECT job, host, finished IS NOT NULL, exit_status FROM djops_claim"
        ).fetchall()


def test_the_first_host_runs_and_the_same_occurrence_elsewhere_is_skipped(django_project):
    cfg = django_project()
    with claim.hold(cfg, "t:index", "app1", DAY) as held:
        assert held.decision["run"] is True
        # app2's timer fires while app1 still runs it
        with claim.hold(cfg, "t:index", "app2", DAY) as other:
            assert other.decision == {**other.decision, "run": False, "holder": "app1"}
            assert other.decision["running"] is True
        held.end(0)
    assert rows(django_project.db) == [("t:index", "app1", 1, 0)]
    with claim.hold(cfg, "t:index", "app2", DAY) as later:  # its timer, minutes late
        assert later.decision["run"] is False and later.decision["running"] is False
        assert later.decision["holder"] == "app1" and later.decision["ago"] >= 0


def test_the_next_occurrence_goes_to_whoever_comes_first(django_project):
    cfg = django_project()
    with claim.hold(cfg, "t:index", "app1", 0.2) as held:
        held.end(3)
    assert rows(django_project.db) == [("t:index", "app1", 1, 3)]
    time.sleep(0.3)  # past the window: the next occurrence
    with claim.hold(cfg, "t:index", "app2", 0.2) as held:
        assert held.decision["run"] is True
    assert rows(django_project.db) == [("t:index", "app2", 1, None)]  # died: no status


def race(cfg, job: str) -> dict[str, dict]:
    """Two hosts' claims of one occurrence, started at the same instant."""
    decisions: dict[str, dict] = {}
    go = threading.Barrier(2)

    def one(host: str) -> None:
        go.wait()
        with claim.hold(cfg, job, host, DAY) as held:
            decisions[host] = held.decision
            held.end(0)

    threads = [threading.Thread(target=one, args=(h,)) for h in ("app1", "app2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return decisions


def test_two_claimers_racing_in_threads_give_one_run(django_project):
    cfg = django_project()
    for n in range(3):
        decisions = race(cfg, f"t:race{n}")
        ran = [h for h, d in decisions.items() if d["run"]]
        assert len(ran) == 1, decisions
        [loser] = [d for d in decisions.values() if not d["run"]]
        assert loser["holder"] == ran[0]


def test_purge_db_removes_the_projects_rows_then_the_table(django_project):
    cfg = django_project()
    with claim.hold(cfg, "t:index", "app1", DAY) as held:
        held.end(0)
    with claim.hold(cfg, "other:index", "app1", DAY) as held:
        held.end(0)
    assert claim.drop(cfg) == {"rows": 1, "dropped": False}
    with sqlite3.connect(django_project.db) as c:
        c.execute("DELETE FROM djops_claim")
    assert claim.drop(cfg) == {"rows": 0, "dropped": True}
    assert claim.drop(cfg) == {"rows": 0, "dropped": False}  # nothing left: fine


def test_a_database_that_cannot_be_opened_is_one_line_without_secrets(django_project, tmp_path):
    cfg = django_project()
    settings = django_project.settings / "settings.py"
    settings.write_text(
        settings.read_text().replace(str(django_project.db), str(tmp_path / "no/such/dir/db"))
    )
    with claim.hold(cfg, "t:index", "app1", DAY) as held:
        error = held.decision["error"]
    assert "cannot be opened" in error and "unit-test-secret-value" not in error


def test_a_held_claim_keeps_its_connection_busy_and_still_hears_the_end(django_project):
    cfg = django_project()
    held = claim.start(
        cfg, "--job", "t:long", "--host", "app1", "--window", "0", "--keepalive", "0.1"
    )
    assert held.decision["run"] is True
    time.sleep(0.5)  # several keepalive queries
    assert held.proc.poll() is None, "still holding"
    held.end(7)
    assert held.proc is None
    assert rows(django_project.db) == [("t:long", "app1", 1, 7)]


def test_a_claim_from_the_future_is_taken_over(django_project):
    """The project user owns the table: a `started` ahead of the database's
    clock would otherwise silence every occurrence for as long as it says."""
    cfg = django_project()
    with claim.hold(cfg, "t:index", "app1", DAY) as held:
        held.end(0)
    with sqlite3.connect(django_project.db) as c:
        c.execute("UPDATE djops_claim SET started = started + 86400 * 365, finished = NULL")
    with claim.hold(cfg, "t:index", "app2", DAY) as held:
        assert held.decision["run"] is True
        held.end(0)
    assert rows(django_project.db) == [("t:index", "app2", 1, 0)]


def test_a_skip_says_how_long_the_holder_holds_and_when_a_host_last_succeeded(django_project):
    cfg = django_project()
    with claim.hold(cfg, "t:index", "app1", 0.2) as first:
        first.end(0)
    time.sleep(0.3)  # the next occurrence
    with claim.hold(cfg, "t:index", "app1", 0.2) as held:
        with claim.hold(cfg, "t:index", "app2", DAY) as other:
            d = other.decision
        assert d["run"] is False and d["running"] is True
        assert 0 <= d["held_for"] < 5
        assert 0.2 <= d["succeeded_ago"] < 5  # the occurrence before
        held.end(1)
    with claim.hold(cfg, "t:index", "app2", DAY) as later:
        assert later.decision["running"] is False and "held_for" not in later.decision
    with sqlite3.connect(django_project.db) as c:  # a success "from the future": none
        c.execute("UPDATE djops_claim SET succeeded = started + 86400")
    with claim.hold(cfg, "t:index", "app2", DAY) as later:
        assert later.decision["succeeded_ago"] is None


def test_a_table_of_an_older_djops_gets_the_new_column(django_project):
    cfg = django_project()
    with sqlite3.connect(django_project.db) as c:
        c.execute(
            "CREATE TABLE djops_claim (job VARCHAR(190) PRIMARY KEY, host VARCHAR(255) NOT NULL, "
            "started DOUBLE PRECISION NOT NULL, finished DOUBLE PRECISION NULL, "
            "exit_status INTEGER NULL)"
        )
    with claim.hold(cfg, "t:index", "app1", DAY) as held:
        assert held.decision["run"] is True
        held.end(0)
    with claim.hold(cfg, "t:index", "app2", DAY) as other:
        assert other.decision["succeeded_ago"] >= 0
