import inspect
import re
import shutil

from djops import events, paths
from djops.channels import notify
from djops.cli import verbs
from djops.generate import manpage


def test_manpage_documents_every_listed_verb_and_every_event():
    page = manpage.render().replace("\\-", "-")
    assert page.startswith(".TH DJOPS 8")
    for verb, record in verbs.VERBS.items():
        short = record.help
        assert (f"djops {verb}" in page) == (short is not None), verb
    for name in events.EVENTS:
        assert name in page


def test_manpage_says_a_plain_systemctl_start_does_not_wait_for_the_run():
    """Issue 19.7: the run units are Type=notify, READY=1 as the run begins."""
    page = manpage.render().replace("\\-", "-")
    clear = page.split("djops-clearsessions@P.timer, .service", 1)[1].split(".TP", 1)[0]
    assert "Type=notify" in clear and "returns as the run begins" in clear
    assert "systemctl start --wait" in clear


def _listed_units(page: str) -> set[tuple[str, str]]:
    """(template name, suffix) of each heading in the page's UNITS section:
    `djops-job@P:NAME.timer, .service` -> (djops-job@, .timer), (djops-job@, .service)."""
    section = page.split(".SH UNITS\n", 1)[1].split("\n.SH ", 1)[0]
    found = set()
    for heading in re.findall(r"^\.TP\n\\fB(.*)\\fR$", section, re.MULTILINE):
        name, *suffixes = heading.replace("\\-", "-").replace(",", "").split(".")
        found |= {(re.sub(r"@.*", "@", name), "." + s.strip()) for s in suffixes}
    return found


def test_every_unit_file_is_on_the_page():
    """Issue 31: the list was kept by hand and missed the socket and the stand-in."""
    files = {(f.stem, f.suffix) for f in manpage.UNITS_DIR.iterdir() if f.is_file()}
    assert ("djops-socket@", ".socket") in files and ("djops-standin@", ".service") in files
    assert _listed_units(manpage.render()) == files


def test_a_new_unit_file_is_listed_with_its_description(tmp_path):
    for f in manpage.UNITS_DIR.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    (tmp_path / "djops-new@.service").write_text(
        "[Unit]\nDescription=djops: frobnicate the settings of %i\n"
    )
    page = manpage.render(tmp_path)
    assert "\\fBdjops\\-new@P.service\\fR\nFrobnicate the settings of P." in page
    assert ("djops-new@", ".service") in _listed_units(page)


def test_the_units_timer_and_service_share_one_entry_with_their_instance():
    page = manpage.render().replace("\\-", "-")
    assert "\\fBdjops-job@P:NAME.timer, .service\\fR" in page
    assert "\\fBdjops-mailqueue.path, .timer, .service\\fR" in page
    assert "\\fBdjops-failure@UNIT.service\\fR" in page
    assert page.split(".SH UNITS\n.TP\n", 1)[1].startswith("\\fBdjops@P.target\\fR")


def test_the_hand_written_texts_name_units_that_exist():
    stems = {f.stem for f in manpage.UNITS_DIR.iterdir() if f.is_file()}
    assert set(manpage.MORE) <= stems and set(manpage.INSTANCE) <= stems


def test_the_hand_written_texts_name_only_directories_djops_uses():
    """A queue or request directory the man page names is one the code or
    the units use (djops-ping's queue is /var/lib/djops/pings, not due/)."""
    state = paths.state_dir()
    used = {
        f"/var/lib/djops/{d.relative_to(state)}"
        for d in (
            paths.pings_dir(),
            paths.outbox_dir(),
            paths.outbox_given_up(),
            notify.directory(),
        )
    }
    for unit in manpage.UNITS_DIR.iterdir():
        if unit.is_file():
            used |= set(re.findall(r"/var/lib/djops/[\w/-]*\w", unit.read_text()))
    named = {
        m for text in manpage.MORE.values() for m in re.findall(r"/var/lib/djops/[\w/-]*\w", text)
    }
    assert named and named <= used, named - used


def test_each_delivery_unit_names_its_own_queue():
    state = paths.state_dir()
    queues = {
        "djops-ping": paths.pings_dir(),
        "djops-notify": notify.directory(),
        "djops-mailqueue": paths.outbox_dir(),
    }
    for unit, queue in queues.items():
        path = re.escape(f"/var/lib/djops/{queue.relative_to(state)}")
        assert re.search(rf"{path}(?![\w/-])", manpage.MORE[unit]), unit


def test_each_function_of_the_renderer_stays_short():
    for name, fn in inspect.getmembers(manpage, inspect.isfunction):
        if fn.__module__ == manpage.__name__:
            assert len(inspect.getsourcelines(fn)[0]) <= 50, name
