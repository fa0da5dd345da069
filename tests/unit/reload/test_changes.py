"""What a reload says it changed: a count of the files compiled and the
settings files by name, never the list of every file a deploy compiled."""

import json

import pytest

from djops import config, paths
from djops.reload import changes, steps, validated

SETTINGS_DIR = "/etc/opt/p"


@pytest.fixture
def run_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_RUN_DIR", str(tmp_path / "run"))
    (tmp_path / "run" / "djops").mkdir(parents=True)
    return tmp_path / "run"


def deploy(n: int) -> list[str]:
    """What `djops reload P` compiles after a code deploy."""
    return [f"/opt/p/app/module_{i}.py" for i in range(n)] + [f"{SETTINGS_DIR}/settings.py"]


def test_a_deploy_is_a_count_and_the_settings_file_by_name(run_dir):
    said = changes.summary("p", SETTINGS_DIR, deploy(300))
    assert said == f"compiled 301 files; settings changed: {SETTINGS_DIR}/settings.py"
    assert "/opt/p/app" not in said


def test_one_file_is_singular_and_code_alone_names_no_settings(run_dir):
    assert changes.summary("p", SETTINGS_DIR, ["/opt/p/app/views.py"]) == "compiled 1 file"


def test_the_watchers_files_are_settings_named_through_the_settings_dir(tmp_path, run_dir):
    real = tmp_path / "real-settings"
    real.mkdir()
    (tmp_path / "settings").symlink_to(real)
    settings_dir = str(tmp_path / "settings")
    note = paths.watch_changed("p")
    note.parent.mkdir(parents=True)
    # the watcher names files by their real path; a .env is not compiled
    note.write_text(json.dumps([f"{real}/settings.py", f"{real}/.env", "/opt/p/app/views.py"]))
    assert changes.summary("p", settings_dir, [f"{settings_dir}/settings.py"]) == (
        f"compiled 1 file; settings changed: {settings_dir}/.env, {settings_dir}/settings.py"
    )


def test_many_settings_files_name_five_and_count_the_rest(run_dir):
    many = [f"{SETTINGS_DIR}/conf/s{i}.py" for i in range(8)]
    said = changes.summary("p", SETTINGS_DIR, many)
    assert said.startswith("compiled 8 files; settings changed: /etc/opt/p/conf/s0.py, ")
    assert said.endswith("/etc/opt/p/conf/s4.py and 3 more") and "s5.py" not in said


def test_nothing_compiled_and_nothing_seen_says_so(run_dir):
    assert changes.summary("p", SETTINGS_DIR, []) == changes.NOTHING


def test_a_garbled_watcher_note_is_nothing_seen(run_dir):
    paths.watch_changed("p").parent.mkdir(parents=True)
    paths.watch_changed("p").write_text('{"compiled": "lots"}')
    assert changes.summary("p", SETTINGS_DIR, []) == changes.NOTHING


def test_the_applied_event_says_it_short_in_its_message_and_field(
    project, run_dir, sent, monkeypatch
):
    cfg = config.load(project, live=False)
    monkeypatch.setattr("djops.systemd.service.apply", lambda svc, mode: 42)
    monkeypatch.setattr("djops.health.dbaddress.learn_isolated", lambda cfg: "")
    settings = f"{cfg.project.settings_dir}/settings.py"
    compiled = [f"{cfg.project.code_dir}/app/module_{i}.py" for i in range(40)] + [settings]
    digest = validated.digest(list(cfg.watch.paths))
    text = steps.apply_step(cfg, steps.Compiled(compiled, digest))
    [(message, fields)] = [(m, f) for m, f in sent if f["DJOPS_EVENT"] == "reload.applied"]
    tail = f"compiled 41 files; settings changed: {settings}"
    assert message == text == f"new settings of p applied: p.service restarted (MainPID 42); {tail}"
    assert fields["DJOPS_CHANGED"] == tail


@pytest.mark.parametrize(
    ("changed", "said"),
    [
        ([f"{SETTINGS_DIR}/settings.py"], f"1 file: {SETTINGS_DIR}/settings.py"),
        (deploy(300), f"301 files; settings: {SETTINGS_DIR}/settings.py"),
        (deploy(6)[:6], "6 files: " + ", ".join(deploy(5)[:5]) + " and 1 more"),
        (
            [f"{SETTINGS_DIR}/s{i}.py" for i in range(7)],
            "7 files: " + ", ".join(f"{SETTINGS_DIR}/s{i}.py" for i in range(5)) + " and 2 more",
        ),
    ],
)
def test_what_the_watcher_saw_is_a_count_and_at_most_five_names(changed, said):
    assert changes.seen(changed, SETTINGS_DIR) == said


def test_the_reload_request_says_a_deploy_short_and_notes_only_settings(run_dir, sent, monkeypatch):
    from djops.reload import request

    paths.watch_changed("p").parent.mkdir(parents=True)
    notes = []
    monkeypatch.setattr(
        request.oneshot,
        "start_and_wait",
        lambda *a: (
            notes.append(json.loads(paths.watch_changed("p").read_text()))
            or type("Run", (), {"entry": {"DJOPS_EVENT": "reload.applied"}, "ok": True})()
        ),
    )
    assert request.apply("p", deploy(1000), SETTINGS_DIR) == "applied"
    [(message, fields)] = sent
    assert message == (
        f"settings of p changed (1001 files; settings: {SETTINGS_DIR}/settings.py); "
        "validating before applying"
    )
    assert fields["DJOPS_CHANGED"] == f"1001 files; settings: {SETTINGS_DIR}/settings.py"
    assert notes == [[f"{SETTINGS_DIR}/settings.py"]]
