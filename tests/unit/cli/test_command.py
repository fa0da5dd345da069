import pytest

from djops import __version__
from djops.cli import command, verbs


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        command.main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"djops {__version__}"


def test_help_lists_every_user_verb_and_hides_the_units_own(capsys):
    with pytest.raises(SystemExit):
        command.main(["--help"])
    out = capsys.readouterr().out
    assert "SUPPRESS" not in out
    for verb, record in verbs.VERBS.items():
        short = record.help
        assert (f"    {verb} " in out or f"    {verb}\n" in out) == (short is not None), verb
    assert "journalctl DJOPS_PROJECT=" in out


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as e:
        command.main(["frobnicate", "x"])
    assert e.value.code == 2


def test_config_error_is_one_line_and_exit_2(confdir, capsys):
    (confdir / "shop.toml").write_text('[health]\ninterval_seconds = "abc"\n')
    assert command.main(["enable", "shop"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"djops: {confdir}/shop.toml: [health] interval_seconds: expected a positive number, "
        'got "abc"\n'
    )


def test_debug_shows_the_traceback(confdir):
    from djops.errors import ConfigError

    (confdir / "shop.toml").write_text("[nope]\n")
    with pytest.raises(ConfigError):
        command.main(["--debug", "enable", "shop"])


def test_run_of_a_job_the_project_lacks_says_so_and_lists_its_jobs(project, confdir, capsys):
    path = confdir / "p.toml"
    path.write_text(
        path.read_text() + '[jobs.index]\ncommand = ["x"]\n[jobs.mail]\nexec = ["/bin/true"]\n'
    )
    assert command.main(["run", "p", "nosuch"]) == 2
    assert (
        capsys.readouterr().err
        == "djops: p has no job 'nosuch' (jobs: clearsessions, index, mail)\n"
    )


def test_a_reader_that_stops_early_gets_no_traceback(monkeypatch, tmp_path):
    """`djops status | head`: the pipe closes before djops is done printing;
    djops ends quietly as a program killed by SIGPIPE would (141), its
    stdout pointed at /dev/null so the flush at exit cannot fail again."""
    import os
    import sys

    def answer(args):
        print("a line the reader never takes")
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(command, "_answer", answer)
    with open(tmp_path / "stdout", "w") as f:
        monkeypatch.setattr(sys, "stdout", f)
        assert command.main(["status"]) == 141
        assert os.path.samestat(os.fstat(f.fileno()), os.stat(os.devnull))


def test_a_unit_step_builds_only_its_verb_and_parses_as_the_whole_parser_does():
    argv = ["--debug", "job", "--after", "p:index"]
    assert command.named_verb(argv) == "job"
    one = command.parser("job")
    assert set(one._subparsers._group_actions[0].choices) == {"job"}
    assert vars(one.parse_args(argv)) == vars(command.parser().parse_args(argv))
    assert command.named_verb(["--help"]) is None and command.named_verb(["frobnicate"]) is None


def test_a_typo_still_lists_every_verb(capsys):
    with pytest.raises(SystemExit):
        command.main(["stauts", "p"])
    assert "enable" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["job", "p:index"],
        ["job", "--after", "p:index"],
        ["job", "--paused", "p:index"],
        ["job", "--mail-output", "p:index"],
        ["reload", "--here", "p"],
        ["reload", "--handover", "p"],
        ["reload", "p"],
    ],
)
def test_a_units_words_read_without_argparse_as_argparse_reads_them(argv):
    assert vars(verbs.unit_step(argv)) == vars(command.parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["job"],
        ["job", "--after"],
        ["job", "--nope", "p:index"],
        ["job", "after", "p:index"],
        ["job", "--after", "--paused", "p:index"],
        ["--debug", "job", "p:index"],
        ["run", "p", "index"],
        ["job", "p:index", "--after"],
        ["reload", "--step", "p"],
        ["reload", "--here", "--handover", "p"],
        ["reload", "--help"],
    ],
)
def test_anything_else_goes_to_argparse(argv):
    assert verbs.unit_step(argv) is None


def test_a_job_run_never_imports_argparse():
    import os
    import subprocess
    import sys

    import djops

    src = os.path.dirname(os.path.dirname(djops.__file__))
    probe = (
        f"import sys; sys.path.insert(0, {src!r}); from djops.cli import verbs; "
        "verbs.unit_step(['job', 'p:x']); print('argparse' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out


def test_a_job_runs_starts_import_no_dataclasses():
    """Both starts of every run (`djops job P:NAME`, `djops job --after
    P:NAME`) import what they run, not the schema's dataclasses (inspect,
    ast: ~15 ms of each start)."""
    import os
    import subprocess
    import sys

    import djops

    src = os.path.dirname(os.path.dirname(djops.__file__))
    probe = (
        f"import sys; sys.path.insert(0, {src!r})\n"
        "import djops.cli, djops.jobs.job, djops.jobs.policy.after, djops.config.run_load\n"
        "print(sorted({'dataclasses', 'inspect', 'hashlib', 'datetime', 'djops.config.schema'}"
        " & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out
