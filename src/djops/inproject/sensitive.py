"""Which settings values are secret: Django's own judgement, on the values
Django loaded.

Django hides a setting in its error pages when its name (or a dict key on
the way down) matches `SafeExceptionReporterFilter.hidden_settings`; the
whole value under such a key is hidden, whatever its type. djops asks the
project's own filter (a project may configure a stricter one with
DEFAULT_EXCEPTION_REPORTER_FILTER) and adds a few names of its own. A value
that is Django's documented default of the same setting is public.
"""

import os
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any

# Django 5.2's hidden_settings, plus names djops hides as well
HIDDEN = re.compile(
    r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|CREDENTIAL|PRIVATE|DSN", re.I
)
MIN_LENGTH = 3
MAX_DEPTH = 20
# a raising settings module's strings below this length stay readable
MIN_CONTEXT_LENGTH = 4


def leaves(value: Any, depth: int = 0) -> Iterator[str]:
    """Every scalar under `value` as text (dict values, not keys)."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, dict):
        for v in value.values():
            yield from leaves(v, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from leaves(v, depth + 1)
    elif isinstance(value, bytes):
        yield value.decode("utf-8", "replace")
    elif isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)


def by_name(name: str, value: Any, depth: int = 0) -> Iterator[str]:
    """Django's rule with djops' names: below a sensitive key, everything."""
    if HIDDEN.search(name):
        yield from leaves(value)
    elif depth <= MAX_DEPTH and isinstance(value, dict):
        for k, v in value.items():
            yield from by_name(k if isinstance(k, str) else "", v, depth + 1)
    elif depth <= MAX_DEPTH and isinstance(value, list | tuple):
        for v in value:
            yield from by_name("", v, depth + 1)


def loaded(settings: Any) -> set[str]:
    """The secret values of the configured settings, as Django judges them."""
    safe, substitute = _django_view(settings)
    try:
        from django.conf import global_settings
    except ImportError:  # pragma: no cover - Django is set up when this runs
        global_settings = None
    found: set[str] = set()
    for name in dir(settings):
        if not name.isupper():
            continue
        value = getattr(settings, name, None)
        mine = set(by_name(name, value)) | set(_cleansed(value, safe.get(name), substitute))
        mine -= set(leaves(getattr(global_settings, name, None)))  # Django's default: public
        found |= mine
    return {s for s in found if len(s) >= MIN_LENGTH}


def _django_view(settings: Any) -> tuple[dict[str, Any], Any]:
    """What the project's exception reporter filter shows of the settings."""
    try:
        from django.views.debug import get_default_exception_reporter_filter

        f = get_default_exception_reporter_filter()
        return f.get_safe_settings(), f.cleansed_substitute
    except Exception:  # a broken custom filter must not hide the rest
        return {}, object()


def _cleansed(real: Any, safe: Any, substitute: Any, depth: int = 0) -> Iterator[str]:
    """Leaves of `real` where Django's view shows the substitute instead."""
    if depth > MAX_DEPTH:
        return
    if isinstance(safe, str) and safe == substitute and real != substitute:
        yield from leaves(real)
    elif isinstance(real, dict) and isinstance(safe, dict):
        for k, v in real.items():
            yield from _cleansed(v, safe.get(k), substitute, depth + 1)
    elif isinstance(real, list | tuple) and isinstance(safe, list | tuple):
        for a, b in zip(real, safe, strict=False):
            yield from _cleansed(a, b, substitute, depth + 1)


def from_traceback(exc: BaseException, settings_dir: str) -> set[str]:
    """Values a settings file had loaded when it raised: the globals of each
    frame of a module under the settings directory (Django never finished
    loading them, so `loaded` cannot see them)."""
    found: set[str] = set()
    for _, g in _settings_frames(exc, settings_dir):
        for name, value in list(g.items()):
            if name.isupper():
                found |= set(by_name(name, value))
    return {s for s in found if len(s) >= MIN_LENGTH}


def module_strings(exc: BaseException, settings_dir: str) -> set[str]:
    """Every string a raising settings module held, whatever its name's case
    (`_k = open(...).read(); EMAIL_TIMEOUT = int(_k)`: the ValueError quotes
    `_k`), for masking that exception's message.

    All str (and bytes) values of the module's globals, also inside dicts,
    lists, tuples and sets, except the trivially common ones, so the message
    stays readable: strings shorter than MIN_CONTEXT_LENGTH; blank ones and a
    character repeated (`"----"`); the names of the module's own globals; the
    path of a raising file and its directories (`BASE_DIR`: the message says
    where anyway); Django's own dotted paths (`"django.contrib.admin"`) and
    Django's documented defaults (`"UTC"`, `"en-us"`). Dunder globals
    (`__file__`, `__name__`) are the module's, not its values."""
    paths: set[str] = set()
    names: set[str] = set()
    found: set[str] = set()
    for filename, g in _settings_frames(exc, settings_dir):
        paths |= _path_and_parents(filename)
        names |= {n for n in g if isinstance(n, str)}
        for name, value in list(g.items()):
            if not (isinstance(name, str) and name.startswith("__") and name.endswith("__")):
                found |= set(_strings(value))
    return {s for s in found if not _common(s, paths, names)}


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    if depth > MAX_DEPTH:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes):
        yield value.decode("utf-8", "replace")
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k, depth + 1)
            yield from _strings(v, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from _strings(v, depth + 1)


def _common(s: str, paths: set[str], names: set[str]) -> bool:
    t = s.strip()
    if len(t) < MIN_CONTEXT_LENGTH or len(set(t)) == 1 or t in names:
        return True
    if t.rstrip("/") in paths or t.startswith("django."):
        return True
    return t in _django_defaults()


def _path_and_parents(filename: str) -> set[str]:
    found: set[str] = set()
    for p in {filename, os.path.realpath(filename)}:
        while p and p != os.path.dirname(p):
            found.add(p)
            p = os.path.dirname(p)
    return found


def _django_defaults() -> set[str]:
    """Django's documented defaults, if the project's python has Django
    loaded (never imported here: the compile step has no Django)."""
    defaults = sys.modules.get("django.conf.global_settings")
    if defaults is None:
        return set()
    return {
        s
        for name in dir(defaults)
        if name.isupper()
        for s in _strings(getattr(defaults, name, None))
    }


def _settings_frames(exc: BaseException, settings_dir: str) -> Iterator[tuple[str, dict]]:
    """(file, globals) of each frame of a module under the settings
    directory in the exception's traceback and its chain, each module once."""
    root = os.path.realpath(settings_dir) + os.sep
    seen: set[int] = set()
    for e in _chain(exc):
        tb = e.__traceback__
        while tb is not None:
            frame = tb.tb_frame
            g = frame.f_globals
            filename = frame.f_code.co_filename
            if id(g) not in seen and os.path.realpath(filename).startswith(root):
                seen.add(id(g))
                yield filename, g
            tb = tb.tb_next


def _chain(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__
