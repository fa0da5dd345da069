"""bench/RESULTS.md: each benchmark owns one `## name` section."""

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(name: str, body: str) -> None:
    """Replace one `## name` section of bench/RESULTS.md, keeping the others."""
    old = RESULTS.read_text() if RESULTS.exists() else "# djops benchmark results\n"
    head, sep, rest = old.partition(f"\n## {name}\n")
    tail = rest[rest.find("\n## ") :] if sep and "\n## " in rest else ""
    RESULTS.write_text(f"{head.rstrip()}\n\n## {name}\n\n{body}\n{tail}")


def entry(main, doc: str | None) -> int:
    """A benchmark's start: `--help` says what it measures and boots nothing."""
    import sys

    if {"-h", "--help"} & set(sys.argv[1:]):
        print((doc or "").strip())
        return 0
    return main()
