"""The layout shows the architecture, and imports flow one way:
cli -> project/checklist/migrate -> health/jobs/reload -> mail (the
words) -> channels (every way out) and metrics -> systemd -> bridge (into
the project's python, and the loaded secrets every relay masks) -> config
-> base modules (errors, paths, text, terminal, events, oncalendar,
safefs, digest). Nothing imports upward; inproject imports none of djops (it runs
in the project's interpreter).

The job policy has one home, djops.jobs.policy, whose modules rank one by
one: what systemd's drop-ins and the metrics read sits low, what sends sits
with jobs. systemd/ holds only what talks to systemd. Each concern a
newcomer looks for has one folder (HOMES), and no module or function grows
past what a reader holds at once."""

import ast
import re
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PKG = SRC / "djops"

# package (or top-level module) -> rank; a module may import only its own
# rank or lower, and two packages of one rank never import each other both ways
RANK = {
    "__init__": 0, "errors": 0, "paths": 0, "text": 0, "events": 0, "oncalendar": 0,
    "safefs": 0, "terminal": 0, "digest": 0,
    "config": 1,
    "bridge": 2,
    "systemd": 3,
    "channels": 4, "mail": 4, "metrics": 4,
    "health": 5, "jobs": 5, "reload": 5,
    "checklist": 6, "project": 6, "migrate": 6,
    "cli": 7, "__main__": 7, "generate": 8,
    # the job policy, module by module (its package imports nothing)
    "jobs.policy": 2, "jobs.policy.keys": 2, "jobs.policy.timing": 2,
    "jobs.policy.pause_store": 2, "jobs.policy.streak": 2, "jobs.policy.lapse_words": 2,
    "jobs.policy.alerting": 3.5,  # reads systemd's results; mail.failure asks it
    "jobs.policy.after": 5, "jobs.policy.lapses": 5, "jobs.policy.pause_commands": 5,
}  # fmt: skip

# what talks to systemd (units, drop-ins, systemctl, journald, sd_notify,
# transient runs): a module that does not belongs elsewhere
SYSTEMD = {
    "__init__", "bulk", "daemon", "dbus_state", "dropins", "follow", "gunicorn_unit", "journal", "journal_socket",
    "lastruns", "oneshot", "read_memory", "results", "run_output", "sd_notify", "service", "show_text", "sockets",
    "standin", "systemctl", "transient", "units", "wake",
}  # fmt: skip
# moved to their homes (issue 31): the old names stay gone
MOVED = {
    "systemd.paused": "jobs.policy.pause_store",
    "systemd.schedule": "jobs.policy.timing",
    "systemd.terminal": "terminal",
    "mail.alerting": "jobs.policy.alerting",
    "health.jobwatch": "jobs.policy.lapses",
    "jobs.pause": "jobs.policy.pause_commands",
    "reload.warm": "reload.worker_ready",
    "reload.warmup": "reload.warm_requests",
    "systemd.notify": "systemd.sd_notify",
    "channels.notifyqueue": "channels.notify",
    "channels.apprisequeue": "channels.notify",  # one module per channel; the drain is shared
    # a channel's module has the channel's name (djops flush-NAME, the registry's):
    # apprise is the library notify delivers through, healthchecks the protocol of pings
    "channels.healthchecks": "channels.pings",
    "checklist.notify": "checklist.channels",  # it judges ping_url too: every channel's URLs
    "channels.mailqueue": "channels.mail",
    "systemd.history": "systemd.lastruns",  # beside jobs.history, a name a newcomer could not tell apart
    "adapters.project_python": "bridge.project_python",
    "adapters.secrets": "bridge.secrets",
    "adapters": "bridge",
    "project_python": "bridge.project_python",  # a package of its own, named apart from
    "secrets": "bridge.secrets",  # inproject/ (the other side) and project/
    "verbs": "cli.verbs",
    "actions": "cli.actions",
    "health.daemon": "health.project_round",  # one project's round; host.py is the daemon
    "health.verdict": "health.check",  # a run's verdict is djops.jobs.verdict
}
# moved functions: module -> names it no longer holds (issue 31)
MOVED_NAMES = {
    "systemd.results": {"streak", "failed", "FAILED", "job_of_unit"},  # policy; units
    "mail.notices": {"_SLOW_OR_MISSED"},  # jobs.policy.lapse_words
}


def _exists(module: str) -> bool:
    base = SRC.joinpath(*module.split("."))
    return base.with_suffix(".py").exists() or base.is_dir()


def _ours(module: str) -> bool:
    return module == "djops" or module.startswith("djops.")


def _part(module: str) -> str:
    """The RANK entry of a module: the longest one naming it or a parent."""
    names = module.split(".")[1:]
    for n in range(len(names), 0, -1):
        if ".".join(names[:n]) in RANK:
            return ".".join(names[:n])
    return names[0] if names else "__init__"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and _ours(node.module):
            subs = {f"{node.module}.{a.name}" for a in node.names}
            found |= {s for s in subs if _exists(s)}
            if not all(_exists(s) for s in subs):  # a name the package's __init__ defines
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if _ours(a.name)}
    return found


def _modules():
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(SRC).with_suffix("")
        yield ".".join(rel.parts), path


def test_every_part_of_djops_has_a_rank():
    parts = {p.stem if p.is_file() else p.name for p in PKG.iterdir() if p.name != "__pycache__"}
    assert parts - {"inproject"} == {p for p in RANK if "." not in p}, "give it a rank here"


def test_every_module_of_the_job_policy_has_its_own_rank():
    found = {f"jobs.policy.{p.stem}" for p in (PKG / "jobs" / "policy").glob("*.py")}
    assert found - {"jobs.policy.__init__"} == {p for p in RANK if p.startswith("jobs.policy.")}


def test_systemd_holds_only_what_talks_to_systemd():
    assert {p.stem for p in (PKG / "systemd").glob("*.py")} == SYSTEMD, (
        "a module that does not talk to systemd belongs elsewhere (else list it in SYSTEMD)"
    )


def test_moved_modules_stay_in_their_new_home():
    for old, new in MOVED.items():
        assert not _exists(f"djops.{old}"), f"djops.{old} lives at djops.{new}"
        assert _exists(f"djops.{new}")


def test_moved_names_stay_in_their_new_home():
    for module, names in MOVED_NAMES.items():
        tree = ast.parse(SRC.joinpath("djops", *module.split(".")).with_suffix(".py").read_text())
        defined = {
            getattr(n, "name", None) or getattr(n.targets[0], "id", None)
            for n in tree.body
            if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Assign)
        }
        assert not defined & names, module


def test_nothing_imports_upward():
    upward, edges = [], set()
    for name, path in _modules():
        me = _part(name)
        if me == "inproject":
            continue
        for target in _imports(path):
            other = _part(target)
            if other == "inproject":
                continue  # redact is stdlib-only by design, and shared
            if RANK[other] > RANK[me]:
                upward.append(f"{name} imports {target}")
            if other != me:
                edges.add((me, other))
    assert upward == []
    assert [(a, b) for a, b in edges if (b, a) in edges] == []


def test_inproject_imports_nothing_of_djops():
    for name, path in _modules():
        if _part(name) == "inproject":
            assert not _imports(path), name


def test_starting_the_cli_imports_no_verb_it_does_not_run():
    code = (
        f"import sys; sys.path.insert(0, {str(SRC)!r}); import djops.cli; "
        "print(' '.join(m for m in sys.modules if m.startswith('djops.')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    heavy = {"health", "mail", "jobs", "checklist", "project", "migrate", "generate"}
    heavy |= {"bridge"}
    assert not [m for m in loaded.split() if _part(m).split(".")[0] in heavy], loaded


def _package(module: str) -> str:
    """A module's package: djops.channels.mail -> djops.channels."""
    return (
        module
        if (SRC.joinpath(*module.split(".")) / "__init__.py").exists()
        else (module.rsplit(".", 1)[0])
    )


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of `graph` (module -> modules it imports), or []."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def _graph(imports: dict[str, set[str]]) -> dict[str, set[str]]:
    """Module -> the modules of its own package it imports. A package's
    `__init__` is a module too, named as it is imported (djops.channels, not
    djops.channels.__init__), so a circle through it is seen."""
    graph: dict[str, set[str]] = {}
    for name, targets in imports.items():
        me = name.removesuffix(".__init__")
        graph[me] = {t for t in targets if _package(t) == _package(name) and t not in (name, me)}
    return graph


def test_no_import_circle_inside_a_package():
    """Ranks keep packages apart; inside one, modules also import one way
    (a function-level import counts: it is the same circle, only later)."""
    imports = {name: _imports(path) for name, path in _modules() if _part(name) != "inproject"}
    assert _cycle(_graph(imports)) == []


def test_a_circle_is_found():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def test_a_circle_through_a_packages_init_is_found():
    """The __init__ imports a module that takes a name from the package."""
    imports = {
        "djops.channels.__init__": {"djops.channels.registry"},
        "djops.channels.registry": {"djops.channels", "djops.channels.mail"},
        "djops.channels.mail": set(),
    }
    assert _cycle(_graph(imports)) == [
        "djops.channels",
        "djops.channels.registry",
        "djops.channels",
    ]
    imports["djops.channels.registry"] = {"djops.channels.mail"}  # its module, not the package
    assert _cycle(_graph(imports)) == []


def test_from_a_package_import_a_module_is_an_edge_to_that_module_alone(tmp_path):
    """`from djops.channels import queue` needs djops.channels.queue, not a
    name of the package's __init__ (which Python has begun by then)."""
    code = tmp_path / "m.py"
    code.write_text("from djops.channels import queue\nfrom djops.config import Config\n")
    assert _imports(code) == {"djops.channels.queue", "djops.config"}


# each concern a newcomer looks for, and the one folder that holds it
# (issue 31); "" is djops/ itself: the base modules every layer uses
HOMES = {
    "the base modules: errors, paths, escaping, the terminal, events, calendars": "",
    "config: P.toml's schema, value checks, loading, the restart modes": "config",
    "CLI: the parser, the verb table, one action per verb": "cli",
    "the bridge into the project's python, and the secrets it loaded": "bridge",
    "systemd: unit names, drop-ins, systemctl, the journal, sd_notify": "systemd",
    "clearsessions and [jobs.NAME]: their runs, results, history": "jobs",
    "the job policy: pauses, alert_after, lapses, the step after a run": "jobs/policy",
    "the fleet claim (its database side runs in the project: inproject)": "jobs",
    "watch, reload, handover": "reload",
    "health: the host daemon, each project's round, probes, heartbeat": "health",
    "channels: mail, pings, Apprise, and their queues": "channels",
    "the words of djops' mails and notices": "mail",
    "migrate-cron": "migrate",
    "djops check": "checklist",
    "enable, disable, status": "project",
    "metrics": "metrics",
    "generated docs: man page, catalog, completion, example config": "generate",
    "code that runs in the project's python": "inproject",
}
# what djops/ itself holds: what every layer uses, and `python3 -m djops`.
# oncalendar stays here, not in systemd/: config (rank 1) checks schedules
# with it, and systemd/ ranks above config
BASE = {"errors", "paths", "text", "terminal", "safefs", "events", "oncalendar", "digest"}
TOP = BASE | {"__init__", "__main__"}
# a module named for a concern lives in that concern's folder
NAMED = {
    "claim": {"jobs", "inproject"},
    "cron": {"migrate"},
    "probe": {"health"},
    "pause": {"jobs/policy"},
    "policy": {"jobs/policy"},
    "queue": {"channels"},
    "handover": {"reload"},
    "watch": {"reload"},
}


def _folder(path: Path) -> str:
    """A module's folder as HOMES names it: "jobs/policy"; "" for djops/."""
    rel = path.parent.relative_to(PKG)
    return "" if rel == Path() else rel.as_posix()


def test_every_folder_is_one_concerns_home():
    folders = {_folder(p) for p in PKG.rglob("__init__.py")}
    homes = set(HOMES.values())
    assert homes - folders == set(), "a concern's home is gone: say where it went"
    strays = {f for f in folders - homes if not f.startswith("inproject/")}
    assert strays == set(), "a new folder: name its concern in HOMES"


def test_djops_itself_holds_only_the_base_modules():
    assert {p.stem for p in PKG.glob("*.py")} == TOP, "a concern's module belongs in its folder"
    assert {m for m in BASE if RANK[m] > 0} == set(), "a base module imports no concern"


def test_a_module_named_for_a_concern_lives_in_its_home():
    wrong = [
        f"{name} (belongs in {' or '.join(sorted(NAMED[word]))})"
        for name, path in _modules()
        for word in NAMED
        if word in name.rsplit(".", 1)[-1] and _folder(path) not in NAMED[word]
    ]
    assert wrong == []


# every name holding "notify" in djops (modules, functions, classes,
# variables, arguments, imports; inotify aside) and the one thing it means:
# the notify channel ([notify] urls, djops-notify.*, notify.failed, djops
# flush-notify) or systemd's protocol, sd_notify and its Notifier
NOTIFY_NAMES = {
    "notify": "channel",  # djops.channels.notify; cfg.notify, the [notify] table
    "Notify": "channel",  # the [notify] table's schema
    "sd_notify": "systemd",
    "Notifier": "systemd",
    "SystemdNotifier": "systemd",  # python3-sdnotify's
    "notifier": "systemd",  # an sd_notify.Notifier
}


def _bound(node: ast.AST) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
        return [node.id]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.alias):
        return [node.asname or node.name.rsplit(".", 1)[-1]]
    return []


def _notify_names() -> dict[str, set[str]]:
    """Each name holding "notify" (or "notifier") -> the modules binding it."""
    found: dict[str, set[str]] = {}
    for name, path in _modules():
        if _part(name) == "inproject":
            continue
        found.setdefault(name.rsplit(".", 1)[-1], set()).add(name)  # the module itself
        for node in ast.walk(ast.parse(path.read_text())):
            for bound in _bound(node):
                found.setdefault(bound, set()).add(name)
    return {k: v for k, v in found.items() if re.search(r"(?<![iI])notif", k, re.IGNORECASE)}


def test_notify_names_one_thing():
    """`notify` is the user's word for the channel Apprise delivers ([notify]
    urls, djops-notify.service, notify.failed); systemd's protocol is
    sd_notify. Not only module names: a function, a variable or an import
    with either word in its name picks its side in NOTIFY_NAMES."""
    named = {name for name, _ in _modules() if "notify" in name.rsplit(".", 1)[-1]}
    assert named == {"djops.channels.notify", "djops.systemd.sd_notify"}
    found = _notify_names()
    assert set(found) == set(NOTIFY_NAMES), "a new name: pick its side in NOTIFY_NAMES"
    systemd_side = {m for k, ms in found.items() if NOTIFY_NAMES[k] == "systemd" for m in ms}
    assert "djops.channels.notify" not in systemd_side
    for name, path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and _ours(node.module):
                for a in node.names:
                    if (a.asname or a.name) == "notify":
                        assert node.module == "djops.channels", f"{name}: notify is the channel"
                    if (a.asname or a.name) == "sd_notify":
                        assert node.module == "djops.systemd", name


def test_a_notify_name_is_found():
    assert {"sd_notify", "notify"} <= set(_notify_names())


# the longest a function may grow (lines, def to last line): past it, a
# reader loses the thread; split it where its steps are (issue 31)
MAX_FUNCTION_LINES = 50
# functions allowed past it for now, each with why (empty: none)
LONG_FUNCTIONS: set[str] = set()


def _long_functions(limit: int) -> list[str]:
    found = []
    for name, path in _modules():  # inproject too: no exception needed
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and node.end_lineno - node.lineno + 1 > limit
            ):
                found.append(f"{name}.{node.name}")
    return sorted(found)


def test_no_function_is_too_long_to_read():
    long = [f for f in _long_functions(MAX_FUNCTION_LINES) if f not in LONG_FUNCTIONS]
    assert long == [], f"over {MAX_FUNCTION_LINES} lines: split where its steps are"


def test_the_long_function_allowance_names_only_long_functions():
    assert not LONG_FUNCTIONS - set(_long_functions(MAX_FUNCTION_LINES)), "shorten the list"


def test_a_long_function_is_found():
    assert _long_functions(0), "the finder finds nothing"


# the longest a module may grow (lines): past it, it holds more than one
# concern; split it where a reader would (issue 31)
MAX_MODULE_LINES = 300
# modules that are a table, allowed past it, each with why: splitting a
# table scatters what a reader looks up in one place
TABLES = {
    "djops.events": "EVENTS, every journal event djops emits: the catalog's one source",
}
# what a table module holds besides its table (types, constants) stays short
TABLE_REST_LINES = 60


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def _long_modules(limit: int) -> list[str]:
    return [name for name, path in _modules() if _lines(path) > limit]  # inproject too


def test_no_module_is_too_long_to_read():
    long = [m for m in _long_modules(MAX_MODULE_LINES) if m not in TABLES]
    assert long == [], f"over {MAX_MODULE_LINES} lines: split it where its concerns are"


def test_the_table_allowance_names_only_long_modules():
    assert not set(TABLES) - set(_long_modules(MAX_MODULE_LINES)), "shorten the list"


def test_a_table_module_is_its_table():
    """Past the limit only by its table: code added beside it still counts."""
    for name, path in _modules():
        if name in TABLES:
            tree = ast.parse(path.read_text())
            table = max(
                (n for n in tree.body if isinstance(n, ast.Assign | ast.AnnAssign)),
                key=lambda n: n.end_lineno - n.lineno,
            )
            rest = _lines(path) - (table.end_lineno - table.lineno + 1)
            assert rest <= TABLE_REST_LINES, f"{name}: {rest} lines beside its table"


def test_a_long_module_is_found():
    assert _long_modules(0), "the finder finds nothing"


README = SRC.parent / "README.md"


def _readme_layout() -> list[list[str]]:
    """The README's layout table: per row, what its first column names
    (`jobs/policy/` a folder, `paths.py` a module of djops/ itself)."""
    text = README.read_text()
    section = text[text.index("Layout of `src/djops/`") :]
    rows = []
    for line in section.splitlines()[1:]:
        if rows and not line.startswith("|"):
            break
        if line.startswith("| `"):
            rows.append(re.findall(r"`([^`]+)`", line.split(" | ", 1)[0]))
    return rows


def _rank_of(entry: str) -> float:
    return RANK[_part("djops." + entry.removesuffix(".py").strip("/").replace("/", "."))]


def test_the_readme_layout_names_every_home_and_nothing_gone():
    """One source: the README's table is HOMES and djops/'s own modules, in
    the import order, so a move that forgets the README fails here."""
    named = [e for row in _readme_layout() for e in row]
    folders = {e.rstrip("/") for e in named if e.endswith("/")}
    modules = {e.removesuffix(".py") for e in named if e.endswith(".py")}
    assert set(HOMES.values()) - {""} - folders == set(), "a home the README does not name"
    top = {p.stem for p in PKG.glob("*.py")} - {"__init__", "__main__"}
    assert top - modules == set(), "a module of djops/ the README does not name"
    assert [
        e
        for e in named
        if not _exists("djops." + e.removesuffix(".py").strip("/").replace("/", "."))
    ] == []
    assert set(named) == {*(f"{f}/" for f in folders), *(f"{m}.py" for m in modules)}


def test_the_readme_layout_follows_the_import_order():
    ranks = [max(_rank_of(e) for e in row) for row in _readme_layout() if row != ["inproject/"]]
    assert ranks == sorted(ranks, reverse=True), "rows go down the import order"
